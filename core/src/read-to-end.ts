import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** What partitionEnds needs of KafkaJS's internal cluster client. */
interface UncommittedCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ partitions: { partition: number; offset: string }[] }[]>;
}

const readUncommitted = 0;

/**
 * The first and next offset of every partition of `topic`, read_uncommitted. KafkaJS's admin
 * only asks read_committed, which answers the last stable offset: 0 for a partition whose first
 * transaction has committed but whose markers are still being written, so such a partition
 * looks empty. KafkaJS offers no public read_uncommitted offset lookup, hence its cluster
 * factory, a private symbol: every package.json pins kafkajs to exactly 2.2.4 (its last release),
 * and core/src/read-to-end.it.test.ts fails if an upgrade removes the factory.
 */
export async function partitionEnds(kafka: Kafka, topic: string): Promise<Map<number, { low: number; high: number }>> {
  const factory = Object.getOwnPropertySymbols(kafka).find(
    (symbol) => symbol.description === 'private:Kafka:createCluster',
  );
  if (!factory) throw new Error('this KafkaJS version has no cluster factory: pin kafkajs 2.2');
  const createCluster = (kafka as unknown as Record<symbol, (options: object) => UncommittedCluster>)[factory]!;
  const cluster = createCluster({ allowAutoTopicCreation: false, isolationLevel: readUncommitted });
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const partitions = cluster.findTopicPartitionMetadata(topic).map(({ partitionId }) => ({ partition: partitionId }));
    const offsets = async (fromBeginning: boolean) =>
      new Map(
        (await cluster.fetchTopicsOffset([{ topic, fromBeginning, partitions }]))[0]!.partitions.map(
          ({ partition, offset }) => [partition, Number(offset)],
        ),
      );
    const [low, high] = await Promise.all([offsets(true), offsets(false)]);
    return new Map([...high].map(([partition, next]) => [partition, { low: low.get(partition) ?? 0, high: next }]));
  } finally {
    await cluster.disconnect();
  }
}

/**
 * The partitions a reader from the beginning must wait for, with the offset it must pass: the
 * high watermark when the read began. A read_committed reader passes it only once every
 * transaction written before then has its markers, so it has read all they committed.
 */
export async function endsToReach(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[] | 'all' = 'all',
): Promise<Map<number, number>> {
  const ends = await partitionEnds(kafka, topic);
  return new Map(
    [...ends]
      .filter(([partition, { low, high }]) => high > low && (partitions === 'all' || partitions.includes(partition)))
      .map(([partition, { high }]) => [partition, high]),
  );
}

/** Whether a fetched batch (KafkaJS END_BATCH_PROCESS; its lastOffset counts markers and aborted records) reaches `end`. */
export function reachedEnd(end: number, batch: { lastOffset: string }): boolean {
  return Number(batch.lastOffset) + 1 >= end;
}

/** Positions [start, end) of one partition to read. */
interface ReadRange {
  readonly topic: string;
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Reads each range, read_committed, with a group of its own (so it costs a group join: seconds),
 * passing each record to `onRecord` once per position. A transaction still open inside a range
 * (a crashed producer's, until it is fenced or times out) is waited for.
 */
async function readRanges(
  kafka: Kafka,
  ranges: readonly ReadRange[],
  onRecord: (range: ReadRange, message: KafkaMessage) => void,
  timeoutMs: number,
): Promise<void> {
  const rangeOf = new Map(ranges.map((range) => [`${range.topic}:${range.partition}`, range]));
  const pending = new Set(rangeOf.keys());
  if (pending.size === 0) return;
  const lastOffsetRead = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `read-range.${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set(ranges.map(({ topic }) => topic))], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${[...pending].join(', ')} not read to the end in ${timeoutMs} ms`)),
        timeoutMs,
      );
      // Also emitted for batches that held only transaction markers or aborted records.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const key = `${payload.topic}:${payload.partition}`;
        const range = rangeOf.get(key);
        if (range && reachedEnd(range.end, payload)) pending.delete(key);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          eachBatch: ({ batch }) => {
            const key = `${batch.topic}:${batch.partition}`;
            const range = rangeOf.get(key);
            if (!range) return Promise.resolve();
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset < range.start || offset >= range.end) continue;
              // A reader that rejoins its group starts over: each position counts once.
              if (offset <= (lastOffsetRead.get(key) ?? -1)) continue;
              lastOffsetRead.set(key, offset);
              onRecord(range, message);
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
      for (const { topic, partition, start } of ranges) consumer.seek({ topic, partition, offset: String(start) });
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Reads the given partitions of `topic` from the beginning up to their end when the call began
 * (see endsToReach), read_committed, passing each record to `onRecord` once per position.
 */
export async function readPartitionsToEnd(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[] | 'all',
  onRecord: (partition: number, message: KafkaMessage) => void,
  timeoutMs = 120_000,
): Promise<void> {
  const ends = await partitionEnds(kafka, topic);
  const ranges = [...ends]
    .filter(([partition, { low, high }]) => high > low && (partitions === 'all' || partitions.includes(partition)))
    .map(([partition, { low, high }]) => ({ topic, partition, start: low, end: high }));
  await readRanges(kafka, ranges, (range, message) => onRecord(range.partition, message), timeoutMs);
}

/**
 * Reads one partition of each of `topics` (co-partitioned, e.g. one session's frames and audio)
 * from the first record sent at or after `fromTimestamp` up to the end when the call began,
 * read_committed, passing each record to `onRecord` once: for what a stage needs again after it
 * let it go from memory.
 */
export async function readPartitionSince(
  kafka: Kafka,
  topics: readonly string[],
  partition: number,
  fromTimestamp: number,
  onRecord: (topic: string, message: KafkaMessage) => void,
  timeoutMs = 60_000,
): Promise<void> {
  const ranges: ReadRange[] = [];
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const end = (await endsToReach(kafka, topic, [partition])).get(partition);
      const start = (await admin.fetchTopicOffsetsByTimestamp(topic, fromTimestamp)).find(
        (entry) => entry.partition === partition,
      );
      if (end !== undefined && start && Number(start.offset) < end)
        ranges.push({ topic, partition, start: Number(start.offset), end });
    }
  } finally {
    await admin.disconnect();
  }
  await readRanges(kafka, ranges, (range, message) => onRecord(range.topic, message), timeoutMs);
}
