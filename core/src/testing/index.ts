import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { loadConfig, servicesSpec } from '../config.ts';
import { createKafka } from '../kafka.ts';
import { createLogger } from '../logger.ts';
import { readPartitionsToEnd } from '../read-to-end.ts';

/** Shared helpers for integration tests, which run against the services infra/up started. */

export { spawnStage, killStage, type StageProcess } from './stage-process.ts';

export const servicesConfig = () => loadConfig(servicesSpec);

/** A name no other test run uses, e.g. `it.serde.k3j9x2`, for topics, databases and groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export function testKafka(): Kafka {
  const config = servicesConfig();
  return createKafka('proctoflex-test', config.KAFKA_BROKERS, createLogger('test', 'error'));
}

export async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads `count` messages of `topic` from its beginning in a fresh consumer group, resolving as
 * soon as they are there (read_committed, so aborted transactional writes are never seen).
 */
export async function readMessages(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('test-reader'), readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const messages: KafkaMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: ({ message }) => {
            messages.push(message);
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

/** Every committed record of `topic`, read to its end (see readPartitionsToEnd). */
export async function readTopicToEnd(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  await readPartitionsToEnd(kafka, topic, 'all', (_, message) => messages.push(message));
  return messages;
}

/** Resolves once `groupId` has committed offsets at the end of every partition of `topic`. */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withAdmin(kafka, async (admin) => {
    for (;;) {
      const [ends, [committed]] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const lag = ends.reduce((sum, { partition, high }) => {
        const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
        return sum + Number(high) - Math.max(offset, 0);
      }, 0);
      if (lag === 0) return;
      if (Date.now() > deadline) throw new Error(`${groupId} still ${lag} records behind on ${topic}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
}
