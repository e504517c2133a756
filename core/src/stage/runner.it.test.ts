import assert from 'node:assert/strict';
import test from 'node:test';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { DeadLetter, SessionEvent } from '../contracts.ts';
import { AvroSerde } from '../serde.ts';
import { createTopics } from '../topics.ts';
import {
  killStage,
  readTopicToEnd,
  servicesConfig,
  spawnStage,
  testKafka,
  uniqueName,
  waitForGroupCaughtUp,
  withAdmin,
  type StageProcess,
} from '../testing/index.ts';
import { poisonDetail } from '../testing/stages.ts';
import { changelogTopicOf } from './definition.ts';

const kafka = testKafka();
const { SCHEMA_REGISTRY_URL } = servicesConfig();
const partitions = 6;
const sessions = 200;

function sessionEvent(index: number): SessionEvent {
  return {
    sessionId: `session-${index % sessions}`,
    examId: 'exam-1',
    candidateId: `candidate-${index % sessions}`,
    seq: Math.floor(index / sessions),
    captureTime: Date.now(),
    type: 'HEARTBEAT',
    clientVersion: null,
    detail: null,
  };
}

/** Topics of one test, removed afterwards; the stage's own topics are named after it. */
async function setUp(t: test.TestContext, stageName: string) {
  const input = uniqueName('it.runner.in');
  const output = uniqueName('it.runner.out');
  const dlq = uniqueName('it.runner.dlq');
  await withAdmin(kafka, (admin) =>
    createTopics(admin, [
      { topic: input, numPartitions: partitions },
      { topic: output, numPartitions: partitions },
      { topic: dlq, numPartitions: 1 },
    ]),
  );
  t.after(() =>
    withAdmin(kafka, async (admin) => {
      const topics = await admin.listTopics();
      await admin.deleteTopics({
        topics: [input, output, dlq, changelogTopicOf(stageName)].filter((topic) => topics.includes(topic)),
      });
    }),
  );
  const serde = new AvroSerde(SCHEMA_REGISTRY_URL);
  await serde.registerTopic({ name: input, schema: 'SessionEvent' });
  const env = {
    FIXTURE_STAGE_NAME: stageName,
    FIXTURE_INPUT_TOPIC: input,
    FIXTURE_OUTPUT_TOPIC: output,
    STAGE_DLQ_TOPIC: dlq,
  };
  return { input, output, dlq, serde, env };
}

async function produce(kafkaClient: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafkaClient.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  for (let start = 0; start < messages.length; start += 5000) {
    await producer.send({ topic, acks: -1, messages: messages.slice(start, start + 5000) });
  }
  await producer.disconnect();
}

function encodeEvents(serde: AvroSerde, topic: string, count: number): Message[] {
  return Array.from({ length: count }, (_, index) => {
    const event = sessionEvent(index);
    return { key: event.sessionId, value: serde.encode(topic, event) };
  });
}

async function stopAll(stages: StageProcess[]): Promise<void> {
  for (const stage of stages) stage.child.kill('SIGTERM');
  await Promise.all(stages.map((stage) => stage.exited));
}

const identity = (message: { key: Buffer | null; value: Buffer | null }) =>
  `${message.key?.toString()}|${message.value?.toString('base64')}`;

test('exactly once under SIGKILL: two instances, one killed and restarted three times', async (t) => {
  const stageName = uniqueName('it-copy');
  const { input, output, serde, env } = await setUp(t, stageName);
  const total = 100_000;
  const messages = encodeEvents(serde, input, total);
  await produce(kafka, input, messages);

  const steady = spawnStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'steady' });
  let crashing = spawnStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'crashing' });
  t.after(() => stopAll([steady, crashing]));
  await Promise.all([steady.started, crashing.started]);
  for (let kill = 0; kill < 3; kill += 1) {
    await waitForOutput(output, ((kill + 1) * total) / 5);
    await killStage(crashing);
    crashing = spawnStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'crashing' });
    await crashing.started;
  }
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);

  const copied = await readTopicToEnd(kafka, output);
  const inputs = new Set(messages.map(identity));
  const outputs = copied.map(identity);
  assert.equal(new Set(outputs).size, outputs.length, 'no record was copied twice');
  assert.equal(outputs.length, total, 'every record was copied');
  assert.ok(outputs.every((record) => inputs.has(record)));
});

/** Waits until `topic` holds at least `count` committed records (approximately, by end offsets). */
async function waitForOutput(topic: string, count: number): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    for (;;) {
      const offsets = await admin.fetchTopicOffsets(topic);
      if (offsets.reduce((sum, { high }) => sum + Number(high), 0) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}
