import { readFileSync } from 'node:fs';
import { setTimeout } from 'node:timers/promises';
import type { Admin, ITopicConfig } from 'kafkajs';
import { repoPath } from './paths.ts';

/** One line of infra/kafka/topics. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** null for compacted topics, which keep the newest record per key forever. */
  readonly retentionMs: number | null;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** Name of the value schema, schemas/avro/<schema>.avsc. */
  readonly schema: string;
}

const hourMs = 3_600_000;
const retentionUnitsMs: Record<string, number> = { h: hourMs, d: 24 * hourMs };

export function parseTopics(text: string): TopicSpec[] {
  return text
    .split('\n')
    .map((line, index) => ({ fields: line.replace(/#.*/, '').trim().split(/\s+/), lineNumber: index + 1 }))
    .filter(({ fields }) => fields[0] !== '')
    .map(({ fields, lineNumber }) => {
      const [name, partitions, retention, cleanupPolicy, schema] = fields;
      const where = `infra/kafka/topics line ${lineNumber}`;
      if (fields.length !== 5) throw new Error(`${where}: expected 5 columns, found ${fields.length}`);
      if (!/^[1-9]\d*$/.test(partitions!)) throw new Error(`${where}: partitions must be a positive number`);
      if (cleanupPolicy !== 'delete' && cleanupPolicy !== 'compact') {
        throw new Error(`${where}: cleanup must be delete or compact`);
      }
      const retentionMatch = /^(\d+)([hd])$/.exec(retention!);
      if (cleanupPolicy === 'delete' && !retentionMatch)
        throw new Error(`${where}: retention must look like 24h or 7d`);
      if (cleanupPolicy === 'compact' && retention !== '-')
        throw new Error(`${where}: compacted topics take retention -`);
      return {
        name: name!,
        partitions: Number(partitions),
        retentionMs: retentionMatch ? Number(retentionMatch[1]) * retentionUnitsMs[retentionMatch[2]!]! : null,
        cleanupPolicy,
        schema: schema!,
      };
    });
}

let declaredTopics: readonly TopicSpec[] | undefined;

/** The pipeline's topics, as declared once in infra/kafka/topics (read on first use, not at import). */
export function pipelineTopics(): readonly TopicSpec[] {
  declaredTopics ??= parseTopics(readFileSync(repoPath('infra/kafka/topics'), 'utf8'));
  return declaredTopics;
}

/** How a declared pipeline topic is created. */
export function topicConfigOf(topic: TopicSpec): ITopicConfig {
  return {
    topic: topic.name,
    numPartitions: topic.partitions,
    configEntries: [
      { name: 'cleanup.policy', value: topic.cleanupPolicy },
      ...(topic.retentionMs === null ? [] : [{ name: 'retention.ms', value: String(topic.retentionMs) }]),
    ],
  };
}

/**
 * Creates the topics that do not exist yet; existing topics are left as they are. Processes that
 * start together may race: KafkaJS answers false, not an error, when all of them already exist.
 */
export async function ensureTopics(admin: Admin, topics: readonly ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  await createTopics(
    admin,
    topics.filter((topic) => !existing.has(topic.topic)),
  );
}

/**
 * Creates topics and waits until every partition has a leader. KafkaJS's own waitForLeaders gives
 * up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers until the new topic's metadata
 * has propagated, so the wait is done here.
 */
export async function createTopics(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  if (topics.length === 0) return;
  await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((topic) => topic.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      if (metadata.topics.every((topic) => topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leaders after ${timeoutMs} ms`);
    await setTimeout(100);
  }
}
