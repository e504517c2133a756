import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/**
 * Whether a fetched batch brings a reader to the end of its partition: past both the end the
 * reader started with and the high watermark this fetch reported (see readPartitionsToEnd).
 */
export function reachedEnd(startEnd: number, batch: { lastOffset: string; highWatermark: string }): boolean {
  return Number(batch.lastOffset) + 1 >= Math.max(startEnd, Number(batch.highWatermark));
}

/**
 * Reads the given partitions of `topic` from the beginning up to their end, read_committed,
 * passing each record to `onRecord` once per position. "The end" is the high watermark the
 * fetches report, not the last stable offset: a transaction committed a moment ago may still
 * be writing its markers, and its records must not be missed. A partition whose last stable
 * offset is 0 is taken as empty: KafkaJS cannot ask for the high watermark, so a first
 * transaction still open there (a crashed producer's, until it times out) hides what others
 * committed after it.
 */
export async function readPartitionsToEnd(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[] | 'all',
  onRecord: (partition: number, message: KafkaMessage) => void,
  timeoutMs = 120_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const stableEnds = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const end = new Map(
    stableEnds
      .filter(({ partition }) => partitions === 'all' || partitions.includes(partition))
      .map(({ partition, high }) => [partition, Number(high)]),
  );
  const pending = new Set([...end].filter(([, offset]) => offset > 0).map(([partition]) => partition));
  if (pending.size === 0) return;
  const lastOffsetRead = new Map<number, number>();
  const consumer = kafka.consumer({ groupId: `read-to-end.${topic}.${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${topic}: partitions ${[...pending].join(', ')} not read to the end in ${timeoutMs} ms`)),
        timeoutMs,
      );
      // Also emitted for batches that held only transaction markers or aborted records.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (reachedEnd(end.get(payload.partition) ?? 0, payload)) pending.delete(payload.partition);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          eachBatch: ({ batch }) => {
            if (!end.has(batch.partition)) return Promise.resolve();
            for (const message of batch.messages) {
              // A reader that rejoins its group starts over: each position counts once.
              if (Number(message.offset) <= (lastOffsetRead.get(batch.partition) ?? -1)) continue;
              lastOffsetRead.set(batch.partition, Number(message.offset));
              onRecord(batch.partition, message);
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
