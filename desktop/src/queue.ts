import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { RecordKind } from '@proctoflex/core/client';
import type { WriterSchemas } from '@proctoflex/ingest-client';
import type { QueuedRecord, RecordQueue, SessionQueues } from './record-queue.ts';

const kinds: readonly RecordKind[] = ['FRAME', 'AUDIO', 'PROCESS', 'SESSION'];
const segmentBytes = 8 * 1024 * 1024;
/** Per record on disk: length (4), IV (12), GCM tag (16); inside the ciphertext seq (8) and kind (1). */
const frameHeader = 4 + 12 + 16;
const plainHeader = 9;

interface Segment {
  readonly file: string;
  lastSeq: number;
  bytes: number;
}

/**
 * The desktop's RecordQueue: a session's records not yet acknowledged by the gateway, on disk,
 * so that neither a lost connection nor a crash of the app loses them. Append-only segment files
 * of records encrypted one by one (AES-256-GCM); a segment is deleted once the gateway
 * acknowledged all its records, and the highest acknowledged seq is kept in a file of its own.
 * Bounded: an append that would pass `maxBytes` is refused. A record torn by a kill mid-write is cut off when the queue opens;
 * a record that fails its authentication tag stops the opening (wrong key, altered file).
 * Writes are synchronous so that they keep their order and are in the kernel before the call
 * returns: a killed process loses nothing (a power cut may lose what was not yet flushed).
 */
export class DiskQueue implements RecordQueue {
  private readonly segments: Segment[] = [];
  private fd: number | null = null;
  private acked: number;

  private constructor(
    private readonly dir: string,
    private readonly key: Buffer,
    readonly maxBytes: number,
  ) {
    this.acked = readAcked(dir);
  }

  /** Opens (or creates) the queue in `dir`; `key` is 32 bytes. */
  static open(dir: string, key: Buffer, maxBytes: number): DiskQueue {
    if (key.length !== 32) throw new Error('the queue key must be 32 bytes (AES-256)');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const queue = new DiskQueue(dir, key, maxBytes);
    queue.load();
    return queue;
  }

  /** Highest seq the queue has seen (appended or acknowledged); -1 for a new session. */
  get lastSeq(): number {
    return Math.max(this.acked, this.segments.at(-1)?.lastSeq ?? -1);
  }

  /** Highest seq the gateway acknowledged; -1 when none. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }

  /** Records appended and not acknowledged. */
  get pendingRecords(): number {
    return Math.max(0, this.lastSeq - this.acked);
  }

  /** Appends records in seq order; seq must grow. False (nothing written) when they do not fit. */
  append(records: readonly QueuedRecord[]): boolean {
    const frames = records.map((record) => this.seal(record));
    const total = frames.reduce((sum, frame) => sum + frame.length, 0);
    if (this.bytes + total > this.maxBytes) return false;
    for (const [index, frame] of frames.entries()) {
      const { seq } = records[index]!;
      if (seq <= this.lastSeq) throw new Error(`seq ${seq} does not follow ${this.lastSeq}`);
      const segment = this.writableSegment(seq);
      writeSync(this.fd!, frame);
      segment.lastSeq = seq;
      segment.bytes += frame.length;
    }
    return true;
  }

  /** Everything up to `seq` reached Kafka: forget it, deleting segments that hold nothing else. */
  acknowledge(seq: number): void {
    if (seq <= this.acked) return;
    this.acked = seq;
    const temporary = path.join(this.dir, 'acked.tmp');
    writeFileSync(temporary, String(seq));
    renameSync(temporary, path.join(this.dir, 'acked'));
    while (this.segments[0] && this.segments[0].lastSeq <= seq) {
      if (this.segments.length === 1) this.closeSegment();
      rmSync(this.segments.shift()!.file, { force: true });
    }
  }

  /** Unacknowledged records after `afterSeq`, oldest first, at most `limit` of them; read from disk. */
  read(afterSeq: number, limit: number): QueuedRecord[] {
    const from = Math.max(afterSeq, this.acked);
    const records: QueuedRecord[] = [];
    for (const segment of this.segments) {
      if (segment.lastSeq <= from) continue;
      for (const record of this.readSegment(segment.file).records) {
        if (record.seq <= from) continue;
        records.push(record);
        if (records.length === limit) return records;
      }
    }
    return records;
  }

  schemas(): WriterSchemas | null {
    const file = path.join(this.dir, 'schemas.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as WriterSchemas) : null;
  }

  keepSchemas(schemas: WriterSchemas): void {
    writeFileSync(path.join(this.dir, 'schemas.json'), JSON.stringify(schemas));
  }

  close(): void {
    this.closeSegment();
  }

  /** Deletes the queue: the session ended and everything reached Kafka. */
  remove(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private load(): void {
    const files = readdirSync(this.dir)
      .filter((name) => name.endsWith('.seg'))
      .sort();
    for (const name of files) {
      const file = path.join(this.dir, name);
      const { records, validBytes } = this.readSegment(file);
      if (validBytes < statSync(file).size) {
        // The app was killed in the middle of a write: what follows the last whole record is lost.
        const fd = openSync(file, 'r+');
        ftruncateSync(fd, validBytes);
        closeSync(fd);
      }
      const last = records.at(-1);
      if (!last || last.seq <= this.acked) {
        rmSync(file, { force: true });
        continue;
      }
      this.segments.push({ file, lastSeq: last.seq, bytes: validBytes });
    }
  }

  private writableSegment(seq: number): Segment {
    const current = this.segments.at(-1);
    if (current && this.fd !== null && current.bytes < segmentBytes) return current;
    this.closeSegment();
    const file = path.join(this.dir, `${String(seq).padStart(16, '0')}.seg`);
    this.fd = openSync(file, 'a', 0o600);
    const segment = { file, lastSeq: seq, bytes: 0 };
    this.segments.push(segment);
    return segment;
  }

  private closeSegment(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private seal({ seq, kind, value }: QueuedRecord): Buffer {
    const plain = Buffer.alloc(plainHeader + value.length);
    plain.writeBigInt64BE(BigInt(seq), 0);
    plain.writeUInt8(kinds.indexOf(kind), 8);
    value.copy(plain, plainHeader);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    const header = Buffer.alloc(frameHeader);
    header.writeUInt32BE(sealed.length, 0);
    iv.copy(header, 4);
    cipher.getAuthTag().copy(header, 16);
    return Buffer.concat([header, sealed]);
  }

  /** The whole records of a segment, and how many bytes they take: a torn tail is left out. */
  private readSegment(file: string): { records: QueuedRecord[]; validBytes: number } {
    const data = readFileSync(file);
    const records: QueuedRecord[] = [];
    let offset = 0;
    while (offset + frameHeader <= data.length) {
      const length = data.readUInt32BE(offset);
      const end = offset + frameHeader + length;
      if (end > data.length) break;
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(offset + 4, offset + 16));
      decipher.setAuthTag(data.subarray(offset + 16, offset + frameHeader));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(offset + frameHeader, end)), decipher.final()]);
      } catch {
        // A kill mid-write leaves a short record, never a whole one that fails its tag.
        throw new Error(`${file}: a record cannot be decrypted (another key, or the file was altered)`);
      }
      records.push({
        seq: Number(plain.readBigInt64BE(0)),
        kind: kinds[plain.readUInt8(8)]!,
        value: plain.subarray(plainHeader),
      });
      offset = end;
    }
    return { records, validBytes: offset };
  }
}

function readAcked(dir: string): number {
  try {
    return Number(readFileSync(path.join(dir, 'acked'), 'utf8'));
  } catch {
    return -1;
  }
}

/** Marks a session queue whose exam ended. */
const endedMarker = 'ended';

/** The desktop's queues: one directory per session below `dir`/sessions, encrypted with `key`. */
export function diskQueues(dir: string, key: Buffer, maxBytes: number): SessionQueues {
  const sessionsDir = path.join(dir, 'sessions');
  return {
    open: (sessionId) => Promise.resolve(DiskQueue.open(path.join(sessionsDir, sessionId), key, maxBytes)),
    markEnded: (sessionId) => Promise.resolve(writeFileSync(path.join(sessionsDir, sessionId, endedMarker), '')),
    ended: () =>
      Promise.resolve(
        existsSync(sessionsDir)
          ? readdirSync(sessionsDir).filter((sessionId) => existsSync(path.join(sessionsDir, sessionId, endedMarker)))
          : [],
      ),
  };
}
