import type { RecordKind } from '@proctoflex/core/client';
import type { WriterSchemas } from '@proctoflex/ingest-client';

/** One record of a session as the gateway takes it: its seq, its topic kind, the registry wire bytes. */
export interface QueuedRecord {
  readonly seq: number;
  readonly kind: RecordKind;
  readonly value: Buffer;
}

/**
 * A session's records not yet acknowledged by the gateway, kept encrypted where the app's data
 * lives (a directory for the desktop, IndexedDB for the browser client), so that neither a lost
 * connection nor a closed app loses them. Bounded: an append that would pass its limit is refused.
 */
export interface RecordQueue {
  /** Highest seq the queue has seen (appended or acknowledged); -1 for a new session. */
  readonly lastSeq: number;
  /** Highest seq the gateway acknowledged; -1 when none. */
  readonly ackedSeq: number;
  readonly bytes: number;
  /** Records appended and not acknowledged. */
  readonly pendingRecords: number;
  /** Appends records in seq order; seq must grow. False (nothing kept) when they do not fit. */
  append(records: readonly QueuedRecord[]): boolean;
  /** Everything up to `seq` reached Kafka: forget it. */
  acknowledge(seq: number): void;
  /** Unacknowledged records after `afterSeq`, oldest first, at most `limit`: every one appended before the call. */
  read(afterSeq: number, limit: number): QueuedRecord[] | Promise<QueuedRecord[]>;
  /** The gateway's schemas the records are encoded with, kept beside them so that encoding goes on offline. */
  schemas(): WriterSchemas | null | Promise<WriterSchemas | null>;
  keepSchemas(schemas: WriterSchemas): void | Promise<void>;
  close(): void | Promise<void>;
  /** Deletes the queue: the session ended and everything reached Kafka. */
  remove(): void | Promise<void>;
}

/** Where a platform keeps its sessions' queues. */
export interface SessionQueues {
  /** Opens (or creates) the queue of `sessionId`, with what a closed app left in it. */
  open(sessionId: string): Promise<RecordQueue>;
  /** The session's exam ended: the next sign-in uploads what is left and ends the session. */
  markEnded(sessionId: string): Promise<void>;
  /** Sessions marked ended whose queues are still there. */
  ended(): Promise<string[]>;
}
