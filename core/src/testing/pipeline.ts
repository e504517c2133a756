import { Partitioners, type Kafka } from 'kafkajs';
import { servicesSpec, topicsSpec, loadConfig } from '../config.ts';
import type { RecordKind } from '../contracts.ts';
import { AvroSerde } from '../serde.ts';
import { createTopics, pipelineTopics } from '../topics.ts';
import { readTopicToEnd, uniqueName, waitForGroupCaughtUp, withAdmin } from './index.ts';
import { killStage, spawnStage, type StageProcess } from './stage-process.ts';

export type TopicVariable = keyof typeof topicsSpec;

/** Where the gateway sends each kind of record. */
export const topicOfKind: Record<RecordKind, TopicVariable> = {
  FRAME: 'FRAMES_TOPIC',
  AUDIO: 'AUDIO_TOPIC',
  PROCESS: 'PROCESS_TOPIC',
  SESSION: 'SESSIONS_TOPIC',
};

/** The processors (core/src/stages.ts) and the topic each scores. */
export const processorInputs: Record<string, TopicVariable> = {
  face: 'FRAMES_TOPIC',
  object: 'FRAMES_TOPIC',
  voice: 'AUDIO_TOPIC',
  'app-policy': 'PROCESS_TOPIC',
};

/** Each stage of the pipeline and the topics it consumes. */
export const stageInputs: Record<string, TopicVariable[]> = {
  face: ['FRAMES_TOPIC', 'SESSION_STATUS_TOPIC'],
  object: ['FRAMES_TOPIC'],
  voice: ['AUDIO_TOPIC'],
  'app-policy': ['PROCESS_TOPIC'],
  risk: ['SCORES_TOPIC', 'SESSIONS_TOPIC'],
  'alerts-sink': ['ALERTS_TOPIC'],
  'clickhouse-sink': [
    'SCORES_TOPIC',
    'RISK_TOPIC',
    'ALERTS_TOPIC',
    'SESSIONS_TOPIC',
    'PROCESS_TOPIC',
    'REVIEWS_TOPIC',
    'POLICIES_TOPIC',
  ],
  'evidence-sink': ['FRAMES_TOPIC', 'AUDIO_TOPIC', 'ALERTS_TOPIC'],
};

/**
 * Every pipeline topic under fresh names (`topics` doubles as the environment that points a stage
 * at them), with their schemas registered: a test's own copy of the pipeline.
 */
export class TestPipeline {
  private readonly stages: { stageName: string; process: StageProcess }[] = [];

  private constructor(
    private readonly kafka: Kafka,
    readonly topics: Record<TopicVariable, string>,
    readonly serde: AvroSerde,
  ) {}

  static async create(kafka: Kafka, prefix: string, numPartitions = 3): Promise<TestPipeline> {
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
      const schema = pipelineTopics.find(({ name }) => name === topicsSpec[variable].defaultValue)!.schema;
      await serde.registerTopic({ name: topic, schema });
    }
    return new TestPipeline(kafka, topics, serde);
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

  /**
   * Runs stage `name` as its own process (`npm run stage`) on these topics, with `env` on top,
   * under `stageName` (its group is proctoflex.<stageName>); close() kills it.
   */
  spawnStage(name: string, env: Record<string, string> = {}, stageName = uniqueName(`it-${name}`)) {
    const stage = { stageName, process: spawnStage(name, { ...this.topics, STAGE_NAME: stageName, ...env }) };
    this.stages.push(stage);
    return stage;
  }

  /** Resolves once the stages named `stageName` have committed the end of the topic. */
  caughtUp(stageName: string, variable: TopicVariable, timeoutMs?: number): Promise<void> {
    return waitForGroupCaughtUp(this.kafka, `proctoflex.${stageName}`, this.topics[variable], timeoutMs);
  }

  /**
   * Runs stage `name` until it has processed everything in its `input` topic (it goes on
   * running); resolves with its stage name.
   */
  async processAll(name: string, input: TopicVariable, env: Record<string, string> = {}): Promise<string> {
    const { stageName, process } = this.spawnStage(name, env);
    await process.started;
    await this.caughtUp(stageName, input);
    return stageName;
  }

  /** Runs the four processors, side by side, until each has scored everything in its input. */
  async scoreAll(): Promise<void> {
    await Promise.all(Object.entries(processorInputs).map(([name, input]) => this.processAll(name, input)));
  }

  /** Kills the stages it ran and removes the topics, their changelogs included. */
  async close(): Promise<void> {
    await Promise.all(this.stages.map(({ process }) => killStage(process)));
    // Instances of one stage share a changelog; a topic named twice makes the request invalid.
    const changelogs = new Set(this.stages.map(({ stageName }) => `proctor.state.${stageName}.v1`));
    await withAdmin(this.kafka, async (admin) => {
      const existing = new Set(await admin.listTopics());
      const topics = [...Object.values(this.topics), ...changelogs].filter((topic) => existing.has(topic));
      await admin.deleteTopics({ topics });
    });
  }
}
