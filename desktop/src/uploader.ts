import type { RecordKind } from '@proctoflex/core/client';
import { IngestClient, IngestClientError, type IngestStream, type WriterSchemas } from '@proctoflex/ingest-client';
import type { QueuedRecord, RecordQueue } from './record-queue.ts';

/** What the API hands a started session: where to send and the token to send with. */
export interface IngestGrant {
  readonly sessionId: string;
  readonly examId: string;
  readonly candidateId: string;
  readonly ingestUrl: string;
  readonly ingestToken: string;
}

export interface UploadStatus {
  /** online: streaming live; catching-up: uploading what the queue holds; offline: waiting to reconnect. */
  readonly connection: 'connecting' | 'online' | 'catching-up' | 'offline';
  /** Records captured and not yet acknowledged: what a crash now would leave in the queue to resend. */
  readonly queuedRecords: number;
  readonly queuedBytes: number;
  readonly ackedSeq: number;
  readonly lastSeq: number;
  /** Records not captured because the queue was full. */
  readonly dropped: number;
  /** Records the gateway refused for good (a client bug): kept out of the queue so the rest can go. */
  readonly rejected: number;
  readonly lastError: string | null;
}

export interface UploaderOptions {
  /** The session's queue, with what a closed app left in it; the schemas the gateway named are kept there too. */
  readonly queue: RecordQueue;
  readonly grant: IngestGrant;
  /** A fresh grant when the gateway refuses the token (it expired). */
  readonly refreshGrant: () => Promise<IngestGrant>;
  readonly onStatus?: (status: UploadStatus) => void;
  /** How long live records wait to go out together. */
  readonly lingerMs?: number;
  /** Longest wait between reconnection attempts. */
  readonly maxBackoffMs?: number;
}

/** Records and bytes per upload after a reconnect: well inside the gateway's 1000 records and 8 MiB a batch. */
const replayRecords = 200;
const replayBytes = 4 * 1024 * 1024;

/**
 * A session's sending side: gives every record its seq, encodes it with the schemas the gateway
 * named, writes it to the encrypted disk queue first and then streams it; what the gateway
 * acknowledges leaves the queue. After a lost connection (or a restart of the app, which finds
 * the queue on disk) it reconnects with backoff, uploads the queue in order over POST and goes
 * live again. A record may so reach Kafka twice (its ack was lost), never not at all; consumers
 * drop the repeat by seq.
 */
export class Uploader {
  private client: IngestClient;
  private grant: IngestGrant;
  private stream: IngestStream | null = null;
  private live = false;
  private closed = false;
  private nextSeq: number;
  private outgoing: QueuedRecord[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private connection: UploadStatus['connection'] = 'connecting';
  private dropped = 0;
  private rejected = 0;
  private lastError: string | null = null;
  private readonly running: Promise<void>;
  private wakeUp: (() => void) | null = null;

  private constructor(
    private readonly options: UploaderOptions,
    private readonly queue: RecordQueue,
    schemas: WriterSchemas,
  ) {
    this.grant = options.grant;
    this.client = new IngestClient(this.grant.ingestUrl, this.grant.ingestToken, schemas);
    this.nextSeq = queue.lastSeq + 1;
    this.running = this.run();
  }

  /**
   * Starts sending the session's queue (resuming what a closed app left). The gateway's schemas
   * are fetched once and kept beside the queue, so that records are encoded even while the
   * gateway cannot be reached.
   */
  static async open(options: UploaderOptions): Promise<Uploader> {
    const { queue, grant } = options;
    let schemas = await queue.schemas();
    if (!schemas) {
      schemas = await IngestClient.fetchSchemas(grant.ingestUrl, grant.ingestToken);
      await queue.keepSchemas(schemas);
    }
    return new Uploader(options, queue, schemas);
  }

  /**
   * Captures one record of `kind` (its fields but the session's ids and seq). False when the
   * queue is full: the record is dropped and counted, nothing else changes.
   */
  add(kind: RecordKind, fields: Record<string, unknown>): boolean {
    const { sessionId, examId, candidateId } = this.grant;
    const seq = this.nextSeq;
    const value = this.client.encode(kind, { sessionId, examId, candidateId, seq, ...fields });
    if (!this.queue.append([{ seq, kind, value }])) {
      this.dropped += 1;
      this.notify();
      return false;
    }
    this.nextSeq += 1;
    if (this.live) {
      this.outgoing.push({ seq, kind, value });
      this.flushTimer ??= setTimeout(() => this.flush(), this.options.lingerMs ?? 250);
    }
    this.notify();
    return true;
  }

  status(): UploadStatus {
    return {
      connection: this.connection,
      queuedRecords: this.queue.pendingRecords,
      queuedBytes: this.queue.bytes,
      ackedSeq: this.queue.ackedSeq,
      lastSeq: this.queue.lastSeq,
      dropped: this.dropped,
      rejected: this.rejected,
      lastError: this.lastError,
    };
  }

  /** Resolves true once the gateway acknowledged every record, false after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.pendingRecords > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }

  /** Stops sending; what is not acknowledged stays in the queue for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.wakeUp?.();
    await this.stream?.close();
    await this.running;
    await this.queue.close();
  }

  /** Deletes the queue once the session is over and everything reached Kafka. */
  async remove(): Promise<void> {
    await this.close();
    await this.queue.remove();
  }

  private flush(): void {
    this.flushTimer = null;
    const records = this.outgoing;
    this.outgoing = [];
    const stream = this.stream;
    if (!this.live || records.length === 0 || !stream) return;
    // Once a batch of this stream failed, later acks of it are ignored: they would acknowledge the
    // failed batch's records too. The catch-up after reconnecting resends from the queue.
    const current = () => this.live && this.stream === stream;
    stream.send(this.client.batchOfEncoded(records)).then(
      (ack) => current() && this.acknowledged(ack.seq),
      (error: unknown) => current() && this.failed(error, records),
    );
  }

  private acknowledged(seq: number): void {
    this.queue.acknowledge(seq);
    this.notify();
  }

  /** A live batch failed: a refusal for good is skipped; anything else is resent after reconnecting. */
  private failed(error: unknown, records: readonly QueuedRecord[]): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    if (isRejection(error)) {
      this.rejected += records.length;
      this.acknowledged(records.at(-1)!.seq);
      return;
    }
    this.live = false;
    void this.stream?.close();
    this.notify();
  }

  /** Connect, catch up from the queue, stream live until the connection ends; again, with backoff. */
  private async run(): Promise<void> {
    let backoffMs = 500;
    while (!this.closed) {
      try {
        this.setConnection(this.queue.pendingRecords > 0 ? 'catching-up' : 'connecting');
        this.stream = await this.client.stream();
        await this.catchUp();
        if (this.closed) break;
        this.live = true;
        this.setConnection('online');
        backoffMs = 500;
        await Promise.race([this.stream.done, new Promise<void>((resolve) => (this.wakeUp = resolve))]);
      } catch (error) {
        await this.handleConnectionError(error);
      }
      this.live = false;
      await this.stream?.close();
      this.stream = null;
      if (this.closed) break;
      this.setConnection('offline');
      await this.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, this.options.maxBackoffMs ?? 5000);
    }
  }

  /**
   * Uploads the queue oldest first until it is empty. Records captured meanwhile join its end; the
   * last check and going live happen in one turn of the event loop, so none slips between.
   */
  private async catchUp(): Promise<void> {
    while (!this.closed && this.queue.pendingRecords > 0) {
      const records = await this.queue.read(this.queue.ackedSeq, replayRecords);
      if (records.length === 0) throw new Error('the queue counts records it cannot read');
      const batch = [records[0]!];
      let bytes = records[0]!.value.length;
      for (const record of records.slice(1)) {
        bytes += record.value.length;
        if (bytes > replayBytes) break;
        batch.push(record);
      }
      try {
        const ack = await this.client.post(this.client.batchOfEncoded(batch));
        this.acknowledged(ack.seq);
      } catch (error) {
        if (!isRejection(error)) throw error;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.rejected += batch.length;
        this.acknowledged(batch.at(-1)!.seq);
      }
    }
  }

  private async handleConnectionError(error: unknown): Promise<void> {
    this.lastError = error instanceof Error ? error.message : String(error);
    if (error instanceof IngestClientError && error.reason === 'rate_limited' && error.retryAfterMs) {
      await this.sleep(error.retryAfterMs);
    }
    if (error instanceof IngestClientError && (error.reason === 'token_expired' || error.reason === 'token_invalid')) {
      try {
        this.grant = await this.options.refreshGrant();
        this.client = new IngestClient(this.grant.ingestUrl, this.grant.ingestToken, this.client.schemas);
      } catch (refreshError) {
        this.lastError = `ingest token refresh failed: ${refreshError instanceof Error ? refreshError.message : String(refreshError)}`;
      }
    }
  }

  private setConnection(connection: UploadStatus['connection']): void {
    this.connection = connection;
    this.notify();
  }

  private notify(): void {
    this.options.onStatus?.(this.status());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** A refusal that resending cannot mend (the records are malformed), as opposed to a token or a transient one. */
function isRejection(error: unknown): boolean {
  return (
    error instanceof IngestClientError &&
    !error.retriable &&
    error.status !== null &&
    !['token_missing', 'token_invalid', 'token_expired'].includes(error.reason)
  );
}
