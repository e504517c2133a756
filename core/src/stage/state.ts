import type { Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import type { SessionState } from './definition.ts';

/** One changelog record: the session's latest state (JSON), or null once it is deleted. */
export interface ChangelogRecord {
  readonly key: string;
  readonly partition: number;
  readonly value: Buffer | null;
}

interface Entry<State> {
  readonly partition: number;
  readonly value: State;
}

/**
 * The committed per-session state of the partitions this instance owns. Batches read and write
 * through a StagedState; its changes are applied here only after their transaction committed.
 */
export class StateStore<State> {
  private readonly entries = new Map<string, Entry<State>>();

  get(sessionId: string): State | undefined {
    return this.entries.get(sessionId)?.value;
  }

  /** Forgets the sessions of partitions this instance no longer owns. */
  retainPartitions(owned: ReadonlySet<number>): void {
    for (const [sessionId, entry] of this.entries) {
      if (!owned.has(entry.partition)) this.entries.delete(sessionId);
    }
  }

  apply(changes: ReadonlyMap<string, { partition: number; value: State | null }>): void {
    for (const [sessionId, { partition, value }] of changes) {
      if (value === null) this.entries.delete(sessionId);
      else this.entries.set(sessionId, { partition, value });
    }
  }

  /**
   * Loads the given partitions of the changelog, read_committed, up to the end offsets they had
   * when the restore began. Called on assignment, before any batch of those partitions runs.
   */
  async restore(kafka: Kafka, changelogTopic: string, partitions: readonly number[]): Promise<number> {
    if (partitions.length === 0) return 0;
    const admin = kafka.admin();
    await admin.connect();
    const endOffsets = new Map(
      (await admin.fetchTopicOffsets(changelogTopic))
        .filter(({ partition }) => partitions.includes(partition))
        .map(({ partition, high }) => [partition, Number(high)]),
    );
    await admin.disconnect();
    const pending = new Set([...endOffsets].filter(([, end]) => end > 0).map(([partition]) => partition));
    if (pending.size === 0) return 0;

    let restored = 0;
    const consumer = kafka.consumer({ groupId: `restore.${changelogTopic}.${randomBytes(6).toString('hex')}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [changelogTopic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        // END_BATCH_PROCESS also reports batches that held only transaction markers or aborted records.
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          if (Number(payload.lastOffset) + 1 >= (endOffsets.get(payload.partition) ?? 0)) {
            pending.delete(payload.partition);
          }
          if (pending.size === 0) resolve();
        });
        consumer
          .run({
            eachBatch: ({ batch }) => {
              if (!endOffsets.has(batch.partition)) return Promise.resolve();
              for (const message of batch.messages) {
                if (Number(message.offset) >= endOffsets.get(batch.partition)!) break;
                const sessionId = message.key!.toString();
                if (message.value === null) this.entries.delete(sessionId);
                else
                  this.entries.set(sessionId, {
                    partition: batch.partition,
                    value: JSON.parse(message.value.toString()) as State,
                  });
                restored += 1;
              }
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return restored;
  }
}

/**
 * The state a batch (or one record of it) sees: reads fall through to `parent`, writes stay
 * here until merged into the parent or, after commit, applied to the store.
 */
export class StagedState<State> implements SessionState<State> {
  readonly changes = new Map<string, { partition: number; value: State | null }>();

  constructor(
    private readonly parent: { get(sessionId: string): State | undefined },
    /** Partition of each session in the batch: a session's state lives in its input partition. */
    private readonly partitionOf: ReadonlyMap<string, number>,
  ) {}

  get(sessionId: string): State | undefined {
    const change = this.changes.get(sessionId);
    return change ? (change.value ?? undefined) : this.parent.get(sessionId);
  }

  set(sessionId: string, state: State): void {
    this.changes.set(sessionId, { partition: this.partitionFor(sessionId), value: state });
  }

  delete(sessionId: string): void {
    this.changes.set(sessionId, { partition: this.partitionFor(sessionId), value: null });
  }

  mergeInto(target: StagedState<State>): void {
    for (const [sessionId, change] of this.changes) target.changes.set(sessionId, change);
  }

  changelogRecords(): ChangelogRecord[] {
    return [...this.changes].map(([key, { partition, value }]) => ({
      key,
      partition,
      value: value === null ? null : Buffer.from(JSON.stringify(value)),
    }));
  }

  private partitionFor(sessionId: string): number {
    const partition = this.partitionOf.get(sessionId);
    if (partition === undefined) {
      throw new Error(`state of session ${sessionId} can only change in a batch holding one of its records`);
    }
    return partition;
  }
}
