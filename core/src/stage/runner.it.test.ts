import assert from 'node:assert/strict';
import test from 'node:test';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { DeadLetter, SessionEvent } from '../contracts/records.ts';
import { AvroSerde } from '../serde.ts';
import { createTopics } from '../topics.ts';
import {
  killStage,
  readTopicToEnd,
  servicesConfig,
  spawnFixtureStage,
  testKafka,
  uniqueName,
  waitForGroupCaughtUp,
  waitUntil,
  endOffsetTotal,
  eventually,
  committedOffsetTotal,
  withAdmin,
  type StageProcess,
} from '../testing/index.ts';
import { poisonDetail, rejectedDetail } from '../testing/stages.ts';
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
    STAGE_NAME: stageName,
    FIXTURE_INPUT_TOPIC: input,
    FIXTURE_OUTPUT_TOPIC: output,
    DLQ_TOPIC: dlq,
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

type RawRecord = { key?: Buffer | string | null; value: Buffer | string | null };
const identity = (message: RawRecord) =>
  `${message.key?.toString()}|${Buffer.from(message.value ?? '').toString('base64')}`;

test('exactly once under SIGKILL: two instances, one killed and restarted three times', async (t) => {
  const stageName = uniqueName('it-copy');
  const { input, output, serde, env } = await setUp(t, stageName);
  const total = 100_000;
  const messages = encodeEvents(serde, input, total);
  await produce(kafka, input, messages);

  const steady = spawnFixtureStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'steady' });
  let crashing = spawnFixtureStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'crashing' });
  t.after(() => stopAll([steady, crashing]));
  await Promise.all([steady.started, crashing.started]);
  for (let kill = 0; kill < 3; kill += 1) {
    await waitForOutput(output, ((kill + 1) * total) / 5);
    await killStage(crashing);
    crashing = spawnFixtureStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'crashing' });
    await crashing.started;
  }
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);

  await assertCopiedExactlyOnce(output, messages);
});

/** The output holds every input record once: none lost, none twice, nothing else. */
async function assertCopiedExactlyOnce(output: string, inputs: Message[]): Promise<void> {
  const copied = (await readTopicToEnd(kafka, output)).map(identity);
  assert.equal(new Set(copied).size, copied.length, 'no record was copied twice');
  assert.equal(copied.length, inputs.length, 'every record was copied');
  assert.deepEqual(new Set(copied), new Set(inputs.map(identity)));
}

test('state survives: a counting stage killed mid-stream resumes on another instance from its changelog', async (t) => {
  const stageName = uniqueName('it-count');
  const { input, serde, env } = await setUp(t, stageName);
  const total = 60_000;
  await produce(kafka, input, encodeEvents(serde, input, total));

  const first = spawnFixtureStage('fixture-count', { ...env, STAGE_INSTANCE_ID: 'first' });
  t.after(() => stopAll([first]));
  await first.started;
  await waitForCommitted(`proctoflex.${stageName}`, input, total / 3);
  await killStage(first);

  const second = spawnFixtureStage('fixture-count', { ...env, STAGE_INSTANCE_ID: 'second' });
  t.after(() => stopAll([second]));
  await second.started;
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);
  // The killed instance's last transaction stayed open until it timed out (a restart under its id
  // would have aborted it at once): until then the second could not restore the changelog.
  const counts = new Map<string, number>();
  for (const message of await readTopicToEnd(kafka, changelogTopicOf(stageName))) {
    counts.set(message.key!.toString(), Number(message.value!.toString()));
  }
  assert.equal(counts.size, sessions);
  for (const [sessionId, count] of counts) assert.equal(count, total / sessions, sessionId);
  assert.match(second.output(), /"msg":"state restored"/);
});

test('erasure: an erased session loses its state (a changelog tombstone) and counts nothing more, also when erased while the stage was down', async (t) => {
  const stageName = uniqueName('it-erase');
  const { input, serde, env } = await setUp(t, stageName);
  const statusTopic = uniqueName('it.runner.status');
  await withAdmin(kafka, (admin) => createTopics(admin, [{ topic: statusTopic, numPartitions: partitions }]));
  t.after(() => withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [statusTopic] })));
  await serde.registerTopic({ name: statusTopic, schema: 'SessionStatus' });
  const erase = (sessionId: string) =>
    produce(kafka, statusTopic, [
      { key: sessionId, value: serde.encode(statusTopic, { sessionId, status: 'ERASED', endedTime: Date.now() }) },
    ]);
  /** The latest changelog value of each session: its count, or null after a tombstone. */
  const changelog = async () => {
    const latest = new Map<string, number | null>();
    for (const message of await readTopicToEnd(kafka, changelogTopicOf(stageName))) {
      latest.set(message.key!.toString(), message.value === null ? null : Number(message.value.toString()));
    }
    return latest;
  };
  const tombstoned = (sessionId: string) =>
    eventually(`a tombstone for ${sessionId}`, async () => (await changelog()).get(sessionId) === null, 60_000);
  const stageEnv = { ...env, SESSION_STATUS_TOPIC: statusTopic };
  const perRound = 10 * sessions;

  await produce(kafka, input, encodeEvents(serde, input, perRound));
  const first = spawnFixtureStage('fixture-count', { ...stageEnv, STAGE_INSTANCE_ID: 'first' });
  t.after(() => stopAll([first]));
  const port = await first.started;
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);
  assert.equal((await changelog()).get('session-7'), 10);

  await erase('session-7');
  await tombstoned('session-7');
  await produce(kafka, input, encodeEvents(serde, input, perRound));
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`^stage_erased_records_total\\{topic="${input}",component="[^"]+"\\} 10$`, 'm'),
    "the erased session's later records dropped",
  );
  await stopAll([first]);

  // Erased while no instance runs: the restored changelog still holds its count.
  await erase('session-8');
  const second = spawnFixtureStage('fixture-count', { ...stageEnv, STAGE_INSTANCE_ID: 'second' });
  t.after(() => stopAll([second]));
  await second.started;
  await tombstoned('session-8');

  const counts = await changelog();
  assert.equal(counts.size, sessions);
  for (const [sessionId, count] of counts) {
    assert.equal(count, ['session-7', 'session-8'].includes(sessionId) ? null : 20, sessionId);
  }
});

test('poison records: 1,000 bad records among 100,000 go to the dead-letter topic, the rest through', async (t) => {
  const stageName = uniqueName('it-poison');
  const { input, output, dlq, serde, env } = await setUp(t, stageName);
  const good = encodeEvents(serde, input, 100_000);
  const undecodable: Message[] = Array.from({ length: 500 }, (_, index) => ({
    key: `session-${index % sessions}`,
    value: Buffer.from(`{"not":"avro","index":${index}}`),
  }));
  const failing: Message[] = Array.from({ length: 500 }, (_, index) => ({
    key: `session-${index % sessions}`,
    value: serde.encode(input, {
      ...sessionEvent(index),
      seq: 1_000_000 + index,
      // Half make the handler throw (found by splitting the batch), half are handed to reject().
      detail: index % 2 === 0 ? poisonDetail : rejectedDetail,
    }),
  }));
  const mixed = [...good];
  [...undecodable, ...failing].forEach((bad, index) => mixed.splice((index * 101) % mixed.length, 0, bad));
  await produce(kafka, input, mixed);

  const stage = spawnFixtureStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'only' });
  t.after(() => stopAll([stage]));
  await stage.started;
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);

  await assertCopiedExactlyOnce(output, good);

  const deadLetters = await Promise.all(
    (await readTopicToEnd(kafka, dlq)).map(async (message) => (await serde.decode(message.value)) as DeadLetter),
  );
  assert.equal(deadLetters.length, 1000);
  const undecoded = deadLetters.filter((letter) => letter.errorType === 'DecodeError');
  const refused = deadLetters.filter((letter) => letter.errorType === 'ProctoFlexError');
  assert.equal(undecoded.length, 500);
  assert.equal(refused.length, 500);
  assert.ok(undecoded.every((letter) => /unknown magic byte/.test(letter.error)));
  assert.equal(refused.filter((letter) => /is poison$/.test(letter.error)).length, 250);
  assert.equal(refused.filter((letter) => /is rejected$/.test(letter.error)).length, 250);
  assert.deepEqual(
    new Set(deadLetters.map((letter) => identity({ key: letter.key, value: letter.value }))),
    new Set([...undecodable, ...failing].map(identity)),
    'each dead letter carries the original key and bytes',
  );
  assert.ok(deadLetters.every((letter) => letter.stage === stageName && letter.sourceTopic === input));
  assert.equal(stage.child.exitCode, null, 'the stage never stopped');
  assert.equal(stage.output().match(/"msg":"stage started"/g)?.length, 1, 'the stage never restarted');
});

test('a handler call slower than two session timeouts: the instance stays in its group and reads each record once', async (t) => {
  const stageName = uniqueName('it-slow');
  const { input, output, serde, env } = await setUp(t, stageName);
  const messages = encodeEvents(serde, input, 600);
  await produce(kafka, input, messages);

  // 15 s a call against a 6 s session timeout.
  const stage = spawnFixtureStage('fixture-copy', {
    ...env,
    STAGE_INSTANCE_ID: 'only',
    STAGE_BATCH_MAX_RECORDS: '600',
    FIXTURE_HANDLER_DELAY_MS: '15000',
  });
  t.after(() => stopAll([stage]));
  const port = await stage.started;
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);

  await assertCopiedExactlyOnce(output, messages);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^stage_rebalances_total\{component="[^"]+"\} 1$/m, 'joined once, never expelled');
  assert.match(
    metrics,
    new RegExp(`^stage_records_in_total\\{topic="${input}",component="[^"]+"\\} 600$`, 'm'),
    'each record read once',
  );
});

test('scale-out: a second instance takes over partitions; nothing lost or repeated', async (t) => {
  const stageName = uniqueName('it-scale');
  const { input, output, serde, env } = await setUp(t, stageName);
  const total = 60_000;
  const messages = encodeEvents(serde, input, total);
  await produce(kafka, input, messages);

  const first = spawnFixtureStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'first' });
  t.after(() => stopAll([first]));
  const firstPort = await first.started;
  await waitForOutput(output, total / 4);
  const second = spawnFixtureStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'second' });
  t.after(() => stopAll([second]));
  const secondPort = await second.started;
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);

  await assertCopiedExactlyOnce(output, messages);
  for (const port of [firstPort, secondPort]) {
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(
      metrics,
      /^stage_assigned_partitions\{component="[^"]+"\} [1-5]$/m,
      'each instance owns some partitions',
    );
    assert.match(metrics, /^stage_rebalances_total\{component="[^"]+"\} [1-9]/m);
  }
});

test('graceful stop: SIGTERM under load exits 0 with offsets committed for everything emitted', async (t) => {
  const stageName = uniqueName('it-stop');
  const { input, output, serde, env } = await setUp(t, stageName);
  const total = 60_000;
  const messages = encodeEvents(serde, input, total);
  await produce(kafka, input, messages);

  // Small fetches, so that SIGTERM finds work in flight and more still to fetch.
  const stage = spawnFixtureStage('fixture-copy', {
    ...env,
    STAGE_INSTANCE_ID: 'only',
    STAGE_FETCH_MAX_BYTES: '32768',
  });
  await stage.started;
  await waitForOutput(output, total / 4);
  stage.child.kill('SIGTERM');
  assert.equal(await stage.exited, 0, stage.output());

  const emitted = await readTopicToEnd(kafka, output);
  const committedTotal = await withAdmin(kafka, (admin) =>
    committedOffsetTotal(admin, `proctoflex.${stageName}`, input),
  );
  assert.ok(emitted.length < total, 'stopped mid-stream');
  assert.equal(committedTotal, emitted.length, 'committed input offsets cover exactly what was emitted');

  const resumed = spawnFixtureStage('fixture-copy', { ...env, STAGE_INSTANCE_ID: 'only' });
  t.after(() => stopAll([resumed]));
  await resumed.started;
  await waitForGroupCaughtUp(kafka, `proctoflex.${stageName}`, input);
  await assertCopiedExactlyOnce(output, messages);
});

/** Waits until `topic` holds at least `count` committed records (by its end offsets). */
function waitForOutput(topic: string, count: number): Promise<void> {
  return waitUntil(
    kafka,
    `${count} records in ${topic}`,
    async (admin) => (await endOffsetTotal(admin, topic)) >= count,
  );
}

/** Waits until `groupId` has committed at least `count` offsets of `topic` in total. */
function waitForCommitted(groupId: string, topic: string, count: number): Promise<void> {
  return waitUntil(
    kafka,
    `${count} committed offsets of ${groupId}`,
    async (admin) => (await committedOffsetTotal(admin, groupId, topic)) >= count,
  );
}
