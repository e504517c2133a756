import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { type Logger, IngestRefusal } from '@proctoflex/core';
import type { AcceptedBatch } from './validate.ts';
import type { IngestMetrics } from './metrics.ts';

/** Most payload bytes in one produce call: under the broker's message.max.bytes (10 MiB). */
const maxFlushBytes = 8 * 1024 * 1024;

interface Pending {
  readonly batch: AcceptedBatch;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Produces accepted batches of all clients together: a flush waits `lingerMs` for other
 * clients' batches, then sends them in one request per codec and resolves each batch once
 * Kafka acknowledged all of its records (acks=-1). Flushes run one after another, so while
 * Kafka works on one the next batches gather. A failed or timed-out flush refuses its batches
 * as `kafka_unavailable` and replaces the producer: a fresh producer id means a resend can
 * never be mistaken by the broker for a duplicate of a write that was lost.
 */
export class RecordProducer {
  private queue: Pending[] = [];
  private producer: Promise<Producer> | null = null;
  private flushing = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: {
      lingerMs: number;
      timeoutMs: number;
      /** Topics whose records compress (text); JPEG frames and PCM audio gain too little for the CPU. */
      compressedTopics: ReadonlySet<string>;
    },
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
  ) {}

  send(batch: AcceptedBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0 && !this.flushing) this.idle = new Promise((done) => (this.markIdle = done));
      this.queue.push({ batch, resolve, reject });
      if (!this.flushing && !this.lingerTimer) {
        this.lingerTimer = setTimeout(() => void this.flushAll(), this.options.lingerMs);
      }
    });
  }

  /** Resolves when every batch handed over so far was acknowledged or refused. */
  drained(): Promise<void> {
    return this.idle;
  }

  async close(): Promise<void> {
    await this.drained();
    const producer = this.producer;
    this.producer = null;
    if (producer) await (await producer).disconnect();
  }

  private async flushAll(): Promise<void> {
    this.lingerTimer = null;
    this.flushing = true;
    while (this.queue.length > 0) {
      let bytes = 0;
      const chunk: Pending[] = [];
      while (this.queue.length > 0 && (chunk.length === 0 || bytes + this.queue[0]!.batch.bytes <= maxFlushBytes)) {
        const next = this.queue.shift()!;
        bytes += next.batch.bytes;
        chunk.push(next);
      }
      await this.flush(chunk);
    }
    this.flushing = false;
    this.markIdle();
  }

  private async flush(chunk: Pending[]): Promise<void> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Kafka did not acknowledge within ${this.options.timeoutMs} ms`)),
          this.options.timeoutMs,
        );
      });
      await Promise.race([this.produce(chunk), timeout]);
      this.metrics.produceSeconds.observe((performance.now() - started) / 1000);
      for (const { batch, resolve } of chunk) {
        for (const record of batch.records) {
          this.metrics.records.inc({ topic: record.topic });
          this.metrics.bytes.inc({ topic: record.topic }, record.value.length);
        }
        resolve();
      }
    } catch (error) {
      this.logger.warn({ err: error, batches: chunk.length }, 'produce failed; the clients will resend');
      this.replaceProducer();
      const refusal = new IngestRefusal('kafka_unavailable', `Kafka is unavailable: ${(error as Error).message}`);
      for (const { reject } of chunk) reject(refusal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async produce(chunk: Pending[]): Promise<void> {
    this.producer ??= this.connect();
    const producer = await this.producer;
    const byCodec = new Map<CompressionTypes, Map<string, Message[]>>();
    for (const { batch } of chunk) {
      for (const { topic, key, value } of batch.records) {
        const codec = this.options.compressedTopics.has(topic) ? CompressionTypes.GZIP : CompressionTypes.None;
        const topics = byCodec.get(codec) ?? new Map<string, Message[]>();
        byCodec.set(codec, topics);
        const messages = topics.get(topic) ?? [];
        topics.set(topic, messages);
        messages.push({ key, value });
      }
    }
    await Promise.all(
      [...byCodec].map(([compression, topics]) =>
        producer.sendBatch({
          acks: -1,
          compression,
          topicMessages: [...topics].map(([topic, messages]) => ({ topic, messages })),
        }),
      ),
    );
  }

  private async connect(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Give up within the produce timeout; the batch is refused and the client resends it
      // through a fresh producer (see the class comment), so bounded retries lose nothing.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    await producer.connect();
    return producer;
  }

  private replaceProducer(): void {
    const broken = this.producer;
    this.producer = null;
    broken
      ?.then((producer) => producer.disconnect())
      .catch((error: unknown) => this.logger.debug({ err: error }, 'disconnecting a failed producer'));
  }
}
