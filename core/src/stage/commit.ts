import type { Consumer, Kafka, Message, Producer, Transaction } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { ProctoFlexError } from '../errors.ts';

/** Offsets to commit: per topic, each partition's next offset (one past its last record). */
export type Offsets = { topic: string; partitions: { partition: number; offset: string }[] }[];

/** What one commit writes besides the offsets: outputs, dead letters and changelog records, by topic. */
export type TopicMessages = { topic: string; messages: Message[] }[];

const fencingErrors = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
/** The group moved on without this instance: its batches in flight must not commit. */
const membershipErrors = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);
export const isMembershipError = (error: unknown) => membershipErrors.has((error as { type?: string }).type ?? '');

/** A tick's commit failed and may have gone through: only starting over from the changelog is sure. */
class CommitInDoubtError extends ProctoFlexError {
  constructor() {
    super('a tick commit failed and may have gone through: the stage exits, to start over from its changelog');
  }
}

/**
 * Commits what a batch produced together with its input offsets: in one Kafka transaction
 * (exactly-once), or produced first and offsets after (at-least-once). Owns the stage's producer.
 */
export class Committer {
  private producer?: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: {
      readonly groupId: string;
      /** Set for exactly-once: names the transactional producer, so a restart fences its predecessor. */
      readonly transactionalId?: string;
      /** Retries `run` with backoff while `shouldRetry` accepts its error. */
      readonly retry: (
        operation: string,
        run: () => Promise<void>,
        shouldRetry: (error: unknown) => boolean,
      ) => Promise<void>;
      /** Throws when this instance is no longer a member of its group. */
      readonly heartbeat: () => Promise<void>;
    },
  ) {}

  /**
   * A new producer, replacing any earlier one. Transactional: KafkaJS registers the transactional
   * id only on the first transaction, so one is opened and aborted now; the coordinator then
   * fences any other producer with this id (a previous incarnation, or ours whose commit failed)
   * and completes its last transaction, committed or aborted, before answering.
   */
  async connect(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    const { transactionalId } = this.options;
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      ...(transactionalId && { transactionalId, transactionTimeout: 30_000 }),
      // A transaction that starts right after the previous commit meets CONCURRENT_TRANSACTIONS
      // until the commit markers are written (milliseconds): retry soon, not after KafkaJS's 300 ms.
      retry: { initialRetryTime: 10, maxRetryTime: 2_000, retries: 12 },
    });
    await this.producer.connect();
    if (transactionalId) await (await this.producer.transaction()).abort();
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
  }

  /**
   * Commits `topicMessages` and `offsets`. Retried whatever the error, except fencing and lost
   * membership: the records were processed, so a failure is the broker's, never the data's.
   * Fenced means another instance with our id took over; lost membership means the group gave
   * our partitions to others.
   */
  async commit(consumer: Consumer, topicMessages: TopicMessages, offsets: Offsets): Promise<void> {
    if (!this.options.transactionalId) {
      await this.retryCommit('commit offsets', async () => {
        if (topicMessages.length > 0) await this.producer!.sendBatch({ topicMessages, acks: -1 });
        await consumer.commitOffsets(
          offsets.flatMap(({ topic, partitions }) => partitions.map((entry) => ({ topic, ...entry }))),
        );
      });
      return;
    }
    // After a failed attempt KafkaJS's producer may be stuck mid-abort or mid-commit; and when the
    // commit itself failed, nobody knows whether it went through. A new producer settles both.
    let producerSpoiled = false;
    let commitInDoubt = false;
    await this.retryCommit('commit transaction', async () => {
      if (producerSpoiled) {
        await this.connect();
        producerSpoiled = false;
      }
      if (commitInDoubt) {
        // A tick commits no offsets that would tell: start over from the changelog instead.
        if (offsets.length === 0) throw new CommitInDoubtError();
        const committed = await this.offsetsCommitted(offsets);
        commitInDoubt = false;
        if (committed) return;
      }
      const transaction: Transaction = await this.producer!.transaction();
      try {
        if (topicMessages.length > 0) await transaction.sendBatch({ topicMessages, acks: -1 });
        if (offsets.length > 0)
          await transaction.sendOffsets({ consumerGroupId: this.options.groupId, topics: offsets });
        // Still a member? KafkaJS offset commits carry no group generation (KIP-447), so this
        // check is what keeps an instance the group gave up on from committing what others redo.
        await this.options.heartbeat();
      } catch (error) {
        if (transaction.isActive()) await transaction.abort().catch(() => (producerSpoiled = true));
        throw error;
      }
      try {
        await transaction.commit();
      } catch (error) {
        producerSpoiled = true;
        commitInDoubt = true;
        throw error;
      }
    });
  }

  private retryCommit(operation: string, run: () => Promise<void>): Promise<void> {
    return this.options.retry(
      operation,
      run,
      (error) =>
        !fencingErrors.has((error as { type?: string }).type ?? '') &&
        !isMembershipError(error) &&
        !(error instanceof CommitInDoubtError),
    );
  }

  /** Whether the group's committed offsets have reached every batch's next offset. */
  private async offsetsCommitted(offsets: Offsets): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const { topic, partitions } of offsets) {
        const [committed] = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] });
        for (const { partition, offset } of partitions) {
          const at = committed?.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
          if (Number(at) < Number(offset)) return false;
        }
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }
}
