import type { RecordKind } from '@proctoflex/core/client';
import type { WriterSchemas } from '@proctoflex/ingest-client';
import type { QueuedRecord, RecordQueue, SessionQueues } from '../record-queue.ts';

const databaseName = 'proctoflex-candidate';
const kinds: readonly RecordKind[] = ['FRAME', 'AUDIO', 'PROCESS', 'SESSION'];
/** Inside the ciphertext: seq (8) and kind (1) before the record; beside it the IV (12) and GCM tag (16). */
const plainHeader = 9;
const overhead = plainHeader + 12 + 16;

interface SessionRow {
  readonly sessionId: string;
  readonly acked: number;
  readonly ended: boolean;
  readonly schemas: WriterSchemas | null;
}

interface RecordRow {
  readonly sessionId: string;
  readonly seq: number;
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly sealed: ArrayBuffer;
}

const request = <T>(pending: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    pending.onsuccess = () => resolve(pending.result);
    pending.onerror = () => reject(pending.error ?? new Error('IndexedDB request failed'));
  });

const committed = (transaction: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });

/** The records of `sessionId` from seq `from` to `to`, both included. */
const seqRange = (sessionId: string, from: number, to: number) => IDBKeyRange.bound([sessionId, from], [sessionId, to]);

/**
 * The browser client's queues, in IndexedDB: one row per record, each encrypted on its own
 * (AES-256-GCM, bound to its session) with a key WebCrypto made non-extractable, kept in the same
 * database: no script, extension or copy of the files can read the records without this browser
 * profile. A closed tab or a crashed browser loses nothing written (a record is written a few
 * milliseconds after its capture).
 */
export class IndexedDbQueues implements SessionQueues {
  private constructor(
    private readonly db: IDBDatabase,
    private readonly key: CryptoKey,
    private readonly maxBytes: number,
  ) {}

  static async open(maxBytes: number): Promise<IndexedDbQueues> {
    const opening = indexedDB.open(databaseName, 1);
    opening.onupgradeneeded = () => {
      opening.result.createObjectStore('keys');
      opening.result.createObjectStore('sessions', { keyPath: 'sessionId' });
      opening.result.createObjectStore('records', { keyPath: ['sessionId', 'seq'] });
    };
    const db = await request(opening);
    // Asks the browser not to evict the queue under storage pressure; it may say no.
    await navigator.storage?.persist?.().catch(() => false);
    let key = (await request(db.transaction('keys').objectStore('keys').get('queue'))) as CryptoKey | undefined;
    if (!key) {
      key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      const adding = db.transaction('keys', 'readwrite');
      adding.objectStore('keys').add(key, 'queue');
      await committed(adding);
    }
    return new IndexedDbQueues(db, key, maxBytes);
  }

  open(sessionId: string): Promise<RecordQueue> {
    return IndexedDbQueue.open(this.db, this.key, sessionId, this.maxBytes);
  }

  async markEnded(sessionId: string): Promise<void> {
    await updateSession(this.db, sessionId, { ended: true });
  }

  async ended(): Promise<string[]> {
    const rows = (await request(this.db.transaction('sessions').objectStore('sessions').getAll())) as SessionRow[];
    return rows.filter(({ ended }) => ended).map(({ sessionId }) => sessionId);
  }
}

async function updateSession(db: IDBDatabase, sessionId: string, change: Partial<SessionRow>): Promise<SessionRow> {
  const transaction = db.transaction('sessions', 'readwrite');
  const sessions = transaction.objectStore('sessions');
  const row: SessionRow = {
    ...(((await request(sessions.get(sessionId))) as SessionRow | undefined) ?? {
      sessionId,
      acked: -1,
      ended: false,
      schemas: null,
    }),
    ...change,
  };
  sessions.put(row);
  await committed(transaction);
  return row;
}

/**
 * One session's queue. Its counts live in memory, so that appending stays synchronous like the
 * desktop's; appends are encrypted and written in order behind the previous writes (those made
 * while a write waits go together, in one transaction), and a read waits for those before it. A record whose write failed (the quota) stays in memory and
 * is still uploaded: it is only not kept across a closed tab.
 */
class IndexedDbQueue implements RecordQueue {
  /** Sizes of the records not acknowledged, by seq, ascending. */
  private readonly pending: { seq: number; bytes: number }[] = [];
  private pendingBytes = 0;
  /** Records not yet written (or whose write failed), by seq. */
  private readonly unwritten = new Map<number, QueuedRecord>();
  /** Records appended since the last write began: the next write takes them all. */
  private toWrite: QueuedRecord[] = [];
  private writes = Promise.resolve();
  private acked: number;
  private savedSchemas: WriterSchemas | null;
  private readonly sessionData: Uint8Array<ArrayBuffer>;

  private constructor(
    private readonly db: IDBDatabase,
    private readonly key: CryptoKey,
    private readonly sessionId: string,
    readonly maxBytes: number,
    row: SessionRow,
  ) {
    this.acked = row.acked;
    this.savedSchemas = row.schemas;
    this.sessionData = new TextEncoder().encode(sessionId);
  }

  static async open(db: IDBDatabase, key: CryptoKey, sessionId: string, maxBytes: number): Promise<IndexedDbQueue> {
    const queue = new IndexedDbQueue(db, key, sessionId, maxBytes, await updateSession(db, sessionId, {}));
    // One record at a time: the queue may be far larger than what a page should hold at once.
    const cursor = db
      .transaction('records')
      .objectStore('records')
      .openCursor(seqRange(sessionId, queue.acked + 1, Infinity));
    await new Promise<void>((resolve, reject) => {
      cursor.onerror = () => reject(cursor.error ?? new Error('IndexedDB cursor failed'));
      cursor.onsuccess = () => {
        if (!cursor.result) return resolve();
        const { seq, sealed } = cursor.result.value as RecordRow;
        queue.pending.push({ seq, bytes: sealed.byteLength + 12 });
        queue.pendingBytes += sealed.byteLength + 12;
        cursor.result.continue();
      };
    });
    return queue;
  }

  get lastSeq(): number {
    return Math.max(this.acked, this.pending.at(-1)?.seq ?? -1);
  }

  get ackedSeq(): number {
    return this.acked;
  }

  get bytes(): number {
    return this.pendingBytes;
  }

  get pendingRecords(): number {
    return this.pending.length;
  }

  append(records: readonly QueuedRecord[]): boolean {
    const sizes = records.map(({ seq, value }) => ({ seq, bytes: value.length + overhead }));
    const bytes = sizes.reduce((sum, size) => sum + size.bytes, 0);
    if (this.pendingBytes + bytes > this.maxBytes) return false;
    let last = this.lastSeq;
    for (const { seq } of records) {
      if (seq <= last) throw new Error(`seq ${seq} does not follow ${last}`);
      last = seq;
    }
    this.pending.push(...sizes);
    this.pendingBytes += bytes;
    for (const record of records) this.unwritten.set(record.seq, record);
    if (this.toWrite.length === 0) this.writes = this.writes.then(() => this.write(this.toWrite.splice(0)));
    this.toWrite.push(...records);
    return true;
  }

  acknowledge(seq: number): void {
    if (seq <= this.acked) return;
    this.acked = seq;
    const done = this.pending.findIndex((record) => record.seq > seq);
    for (const record of this.pending.splice(0, done === -1 ? this.pending.length : done))
      this.pendingBytes -= record.bytes;
    for (const unwritten of this.unwritten.keys()) if (unwritten <= seq) this.unwritten.delete(unwritten);
    this.writes = this.writes.then(async () => {
      const transaction = this.db.transaction(['records', 'sessions'], 'readwrite');
      transaction.objectStore('records').delete(seqRange(this.sessionId, -Infinity, seq));
      const sessions = transaction.objectStore('sessions');
      const row = (await request(sessions.get(this.sessionId))) as SessionRow;
      sessions.put({ ...row, acked: Math.max(row.acked, seq) });
      await committed(transaction).catch(() => undefined);
    });
  }

  async read(afterSeq: number, limit: number): Promise<QueuedRecord[]> {
    await this.writes;
    const from = Math.max(afterSeq, this.acked) + 1;
    const rows = (await request(
      this.db
        .transaction('records')
        .objectStore('records')
        .getAll(seqRange(this.sessionId, from, Infinity), limit),
    )) as RecordRow[];
    const records = await Promise.all(rows.map((row) => this.open(row)));
    const stored = new Set(records.map(({ seq }) => seq));
    for (const [seq, record] of this.unwritten) if (seq >= from && !stored.has(seq)) records.push(record);
    return records.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  schemas(): WriterSchemas | null {
    return this.savedSchemas;
  }

  async keepSchemas(schemas: WriterSchemas): Promise<void> {
    this.savedSchemas = schemas;
    await updateSession(this.db, this.sessionId, { schemas });
  }

  async close(): Promise<void> {
    await this.writes;
  }

  async remove(): Promise<void> {
    await this.writes;
    const transaction = this.db.transaction(['records', 'sessions'], 'readwrite');
    transaction.objectStore('records').delete(seqRange(this.sessionId, -Infinity, Infinity));
    transaction.objectStore('sessions').delete(this.sessionId);
    await committed(transaction);
  }

  private async write(records: readonly QueuedRecord[]): Promise<void> {
    try {
      const rows = await Promise.all(records.map((record) => this.seal(record)));
      const transaction = this.db.transaction('records', 'readwrite');
      const store = transaction.objectStore('records');
      for (const row of rows) if (row.seq > this.acked) store.put(row);
      await committed(transaction);
      for (const { seq } of records) this.unwritten.delete(seq);
    } catch {
      // Kept in memory (unwritten) and uploaded from there.
    }
  }

  private async seal({ seq, kind, value }: QueuedRecord): Promise<RecordRow> {
    const plain = new Uint8Array(plainHeader + value.length);
    new DataView(plain.buffer).setBigInt64(0, BigInt(seq));
    plain[8] = kinds.indexOf(kind);
    plain.set(value, plainHeader);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: this.sessionData },
      this.key,
      plain,
    );
    return { sessionId: this.sessionId, seq, iv, sealed };
  }

  private async open({ seq, iv, sealed }: RecordRow): Promise<QueuedRecord> {
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: this.sessionData }, this.key, sealed);
    } catch {
      throw new Error(
        `record ${seq} of session ${this.sessionId} cannot be decrypted (another key, or it was altered)`,
      );
    }
    const bytes = new Uint8Array(plain);
    return { seq, kind: kinds[bytes[8]!]!, value: Buffer.from(bytes.subarray(plainHeader)) };
  }
}
