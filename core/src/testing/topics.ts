import { Partitioners, type Kafka } from 'kafkajs';
import { servicesSpec, topicsSpec, loadConfig } from '../config.ts';
import type { RecordKind } from '../contracts/records.ts';
import { AvroSerde } from '../serde.ts';
import { createTopics, pipelineTopics } from '../topics.ts';
import { readTopicToEnd, uniqueName, waitForGroupCaughtUp, withAdmin } from './index.ts';

export type TopicVariable = keyof typeof topicsSpec;

/** Where the gateway sends each kind of record. */
export const topicOfKind: Record<RecordKind, TopicVariable> = {
  FRAME: 'FRAMES_TOPIC',
  AUDIO: 'AUDIO_TOPIC',
  PROCESS: 'PROCESS_TOPIC',
  SESSION: 'SESSIONS_TOPIC',
};

/** Creates every pipeline topic under fresh names and registers their schemas. */
export async function createTestTopics(kafka: Kafka, prefix: string, numPartitions: number) {
  const name = uniqueName(prefix);
  const topics = Object.fromEntries(
    Object.keys(topicsSpec).map((variable) => [variable, `${name}.${variable.replace(/_TOPIC$/, '').toLowerCase()}`]),
  ) as Record<TopicVariable, string>;
  await withAdmin(kafka, (admin) =>
    createTopics(
      admin,
      Object.entries(topics).map(([variable, topic]) => ({
        topic,
        numPartitions: variable === 'POLICIES_TOPIC' ? 1 : numPartitions,
        configEntries: variable === 'POLICIES_TOPIC' ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    ),
  );
  const serde = new AvroSerde(loadConfig(servicesSpec).SCHEMA_REGISTRY_URL);
  for (const [variable, topic] of Object.entries(topics) as [TopicVariable, string][]) {
    const schema = pipelineTopics().find(({ name }) => name === topicsSpec[variable].defaultValue)!.schema;
    await serde.registerTopic({ name: topic, schema });
  }
  return { topics, serde };
}

/**
 * Every pipeline topic under fresh names (`topics` doubles as the environment that points a
 * process at them), with their schemas registered: a test's own copy of the pipeline's topics.
 * The pipeline's TestPipeline (@proctoflex/pipeline/testing) runs stages on them.
 */
export class TestTopics {
  constructor(
    protected readonly kafka: Kafka,
    readonly topics: Record<TopicVariable, string>,
    readonly serde: AvroSerde,
  ) {}

  static async create(kafka: Kafka, prefix: string, numPartitions = 3): Promise<TestTopics> {
    const { topics, serde } = await createTestTopics(kafka, prefix, numPartitions);
    return new TestTopics(kafka, topics, serde);
  }

  /** Produces `values` to the topic, each keyed by `keyOf` (its sessionId by default), Avro-encoded. */
  async produce(
    variable: TopicVariable,
    values: readonly unknown[],
    keyOf = (value: unknown) => (value as { sessionId: string }).sessionId,
  ) {
    const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const topic = this.topics[variable];
      const messages = values.map((value) => ({ key: keyOf(value), value: this.serde.encode(topic, value) }));
      // One request at most 4 MiB: the broker refuses larger ones (message.max.bytes).
      let request: typeof messages = [];
      let bytes = 0;
      for (const message of messages) {
        if (bytes + message.value.length > 4 * 1024 * 1024 && request.length > 0) {
          await producer.send({ topic, messages: request });
          request = [];
          bytes = 0;
        }
        request.push(message);
        bytes += message.value.length;
      }
      if (request.length > 0) await producer.send({ topic, messages: request });
    } finally {
      await producer.disconnect();
    }
  }

  /** Records as a desktop sends them (ingest's SessionRecords), each to its kind's topic, in order. */
  async produceSession(records: readonly { kind: RecordKind; record: unknown }[]) {
    for (const kind of Object.keys(topicOfKind) as RecordKind[]) {
      const values = records.filter((record) => record.kind === kind).map(({ record }) => record);
      if (values.length > 0) await this.produce(topicOfKind[kind], values);
    }
  }

  /** Every committed value of the topic, decoded. */
  async read<T>(variable: TopicVariable): Promise<T[]> {
    const messages = await readTopicToEnd(this.kafka, this.topics[variable]);
    return Promise.all(messages.map(async (message) => (await this.serde.decode(message.value)) as T));
  }

  /** Resolves once the stages named `stageName` have committed the end of the topic of `variable`. */
  caughtUp(stageName: string, variable: TopicVariable, timeoutMs?: number): Promise<void> {
    return this.topicCaughtUp(stageName, this.topics[variable], timeoutMs);
  }

  /** Resolves once the stages named `stageName` have committed the end of `topic`. */
  topicCaughtUp(stageName: string, topic: string, timeoutMs?: number): Promise<void> {
    return waitForGroupCaughtUp(this.kafka, `proctoflex.${stageName}`, topic, timeoutMs);
  }

  /** Removes the topics, and `others` (changelogs of stages run on them) where they exist. */
  async close(others: readonly string[] = []): Promise<void> {
    await withAdmin(this.kafka, async (admin) => {
      const existing = new Set(await admin.listTopics());
      const topics = [...Object.values(this.topics), ...others].filter((topic) => existing.has(topic));
      await admin.deleteTopics({ topics });
    });
  }
}
