import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { DecodeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { endsToReach, reachedEnd } from '../read-to-end.ts';
import type { AvroSerde } from '../serde.ts';

/**
 * A topic read whole by every instance of a stage, as a table: the latest value per key (a null
 * value deletes the key). Exam policies are such a table: every session may need any exam's.
 * The reader loads the topic to its end before the stage consumes, then follows it, so updates
 * reach running sessions within a fetch.
 */
export class TableReader {
  private readonly rows = new Map<string, unknown>();
  private consumer?: Consumer;
  private following = false;
  private readonly listeners: ((key: string, value: unknown) => void)[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly serde: AvroSerde,
    readonly topic: string,
    private readonly logger: Logger,
  ) {}

  get(key: string): unknown {
    return this.rows.get(key);
  }

  /** Calls `listener` with each row read once the table is loaded (undefined: the key was deleted). */
  onUpdate(listener: (key: string, value: unknown) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves once everything committed to the topic before the call has been read (as readPartitionsToEnd). */
  async load(timeoutMs = 120_000): Promise<void> {
    await this.stop(); // a retried load starts over
    this.following = false;
    const behind = await endsToReach(this.kafka, this.topic);
    // A group of its own per reader: every instance reads every partition.
    this.consumer = this.kafka.consumer({
      groupId: `proctoflex.table.${this.topic}.${randomBytes(6).toString('hex')}`,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`table ${this.topic} not loaded in ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (behind.size > 0) return;
        clearTimeout(timer);
        resolve();
      };
      // Also emitted for batches that held only transaction markers.
      this.consumer!.on(this.consumer!.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = behind.get(payload.partition);
        if (end !== undefined && reachedEnd(end, payload)) behind.delete(payload.partition);
        check();
      });
      check();
    });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString();
        if (key === undefined) return;
        if (message.value === null) this.rows.delete(key);
        else {
          try {
            this.rows.set(key, await this.serde.decode(message.value));
          } catch (error) {
            // A row nobody can read keeps its previous value; registry outages are retried by KafkaJS.
            if (!(error instanceof DecodeError)) throw error;
            this.logger.error({ err: error, topic: this.topic, key, offset: message.offset }, 'table row skipped');
            return;
          }
        }
        if (this.following) for (const listener of this.listeners) listener(key, this.rows.get(key));
      },
    });
    await loaded;
    this.following = true;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
