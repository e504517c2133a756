import type { Kafka } from 'kafkajs';
import { readPartitionsToEnd } from '../read-to-end.ts';
import { ensureTopics } from '../topics.ts';
import { changelogTopicOf, type SessionState } from './definition.ts';

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

  /** Every session held, with its partition. */
  partitions(): Map<string, number> {
    return new Map([...this.entries].map(([sessionId, { partition }]) => [sessionId, partition]));
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
   * Loads the given partitions of the changelog (read_committed, to their end). Called on
   * assignment, before any batch of those partitions runs.
   */
  async restore(kafka: Kafka, changelogTopic: string, partitions: readonly number[]): Promise<number> {
    let restored = 0;
    await readPartitionsToEnd(kafka, changelogTopic, partitions, (partition, message) => {
      const sessionId = message.key!.toString();
      if (message.value === null) this.entries.delete(sessionId);
      else this.entries.set(sessionId, { partition, value: JSON.parse(message.value.toString()) as State });
      restored += 1;
    });
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

  /**
   * The changes as changelog records, less those that change nothing: stages set the state of
   * every session they see (the face stage's holds a 5 KB descriptor) and delete state that was
   * never there; the changelog already holds the value, the broker need not take it again.
   */
  changelogRecords(): ChangelogRecord[] {
    return [...this.changes].flatMap(([key, { partition, value }]) => {
      const json = value === null ? null : JSON.stringify(value);
      const before = this.parent.get(key);
      if (json === (before === undefined ? null : JSON.stringify(before))) return [];
      return [{ key, partition, value: json === null ? null : Buffer.from(json) }];
    });
  }

  private partitionFor(sessionId: string): number {
    const partition = this.partitionOf.get(sessionId);
    if (partition === undefined) {
      throw new Error(`state of session ${sessionId} can only change in a batch holding one of its records`);
    }
    return partition;
  }
}

/** Creates the stage's changelog if missing: compacted, co-partitioned with its inputs. */
export async function ensureChangelog(kafka: Kafka, stageName: string, inputs: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A session's state lives in its input partition's number.
    const metadata = await admin.fetchTopicMetadata({ topics: [...inputs] });
    await ensureTopics(admin, [
      {
        topic: changelogTopicOf(stageName),
        numPartitions: Math.max(...metadata.topics.map((input) => input.partitions.length)),
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'min.compaction.lag.ms', value: '60000' },
        ],
      },
    ]);
  } finally {
    await admin.disconnect();
  }
}
