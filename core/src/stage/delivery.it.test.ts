import assert from 'node:assert/strict';
import test from 'node:test';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import type { SessionEvent } from '../contracts/records.ts';
import { loadConfig } from '../config.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { createMetricsRegistry } from '../metrics.ts';
import { AvroSerde } from '../serde.ts';
import { createTopics } from '../topics.ts';
import {
  readTopicToEnd,
  servicesConfig,
  testKafka,
  uniqueName,
  waitForGroupCaughtUp,
  withAdmin,
} from '../testing/index.ts';
import { stageRunnerSpec } from './config.ts';
import type { StageDefinition } from './definition.ts';
import { StageRunner } from './runner.ts';

const kafka = testKafka();
const services = servicesConfig();
const total = 2000;

async function setUp(t: test.TestContext) {
  const input = uniqueName('it.delivery.in');
  const output = uniqueName('it.delivery.out');
  const dlq = uniqueName('it.delivery.dlq');
  await withAdmin(kafka, (admin) =>
    createTopics(admin, [{ topic: input, numPartitions: 3 }, { topic: output, numPartitions: 3 }, { topic: dlq }]),
  );
  t.after(() => withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [input, output, dlq] })));
  const serde = new AvroSerde(services.SCHEMA_REGISTRY_URL);
  await serde.registerTopic({ name: input, schema: 'SessionEvent' });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({
    topic: input,
    messages: Array.from({ length: total }, (_, seq) => {
      const event: SessionEvent = {
        sessionId: `session-${seq % 20}`,
        examId: 'exam-1',
        candidateId: `candidate-${seq % 20}`,
        seq,
        captureTime: Date.now(),
        type: 'HEARTBEAT',
        clientVersion: null,
        detail: null,
      };
      return { key: event.sessionId, value: serde.encode(input, event) };
    }),
  });
  await producer.disconnect();
  return { input, output, dlq };
}

async function run<State>(t: test.TestContext, definition: StageDefinition<State>, dlq: string) {
  const runner = new StageRunner(
    definition,
    {
      ...services,
      ...loadConfig(stageRunnerSpec, {
        STAGE_INSTANCE_ID: 'in-process',
        STAGE_HTTP_PORT: '0',
        DLQ_TOPIC: dlq,
        STAGE_SESSION_TIMEOUT_MS: '6000',
      }),
    },
    createLogger(definition.name, 'silent'),
    createMetricsRegistry(definition.name),
  );
  await runner.start();
  t.after(() => runner.stop());
  await waitForGroupCaughtUp(kafka, runner.groupId, definition.inputs[0]!);
  return runner;
}

test('retriable handler errors are retried with backoff and never dead-lettered', async (t) => {
  const { input, output, dlq } = await setUp(t);
  let outages = 3;
  const runner = await run(
    t,
    {
      name: uniqueName('it-retry'),
      inputs: [input],
      outputs: [{ topic: output, schema: 'SessionEvent' }],
      delivery: 'exactly-once',
      stateful: false,
      open: () =>
        Promise.resolve({
          processBatch: (records) => {
            if (outages > 0) {
              outages -= 1;
              return Promise.reject(new ServiceUnavailableError('model server restarting'));
            }
            return Promise.resolve(records.map(({ key, value }) => ({ topic: output, key, value })));
          },
        }),
    },
    dlq,
  );
  assert.equal((await readTopicToEnd(kafka, output)).length, total);
  assert.equal((await readTopicToEnd(kafka, dlq)).length, 0);
  const retries = await runner.metrics.retries.get();
  assert.deepEqual(
    retries.values.map(({ labels, value }) => [labels.operation, value]),
    [['process batch', 3]],
  );
});

test('at-least-once sink: offsets are committed only after its idempotent write to PostgreSQL', async (t) => {
  const { input, dlq } = await setUp(t);
  const table = uniqueName('it_sink');
  const pool = new pg.Pool({ connectionString: services.DATABASE_URL, max: 2 });
  await pool.query(`CREATE TABLE ${table} (session_id text, seq bigint, PRIMARY KEY (session_id, seq))`);
  t.after(async () => {
    await pool.query(`DROP TABLE ${table}`);
    await pool.end();
  });
  let failedWrites = 0;
  await run(
    t,
    {
      name: uniqueName('it-sink'),
      inputs: [input],
      outputs: [],
      delivery: 'at-least-once',
      stateful: false,
      open: () =>
        Promise.resolve({
          processBatch: async (records) => {
            const events = records.map(({ value }) => value as SessionEvent);
            await pool.query(
              `INSERT INTO ${table} SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`,
              [events.map((event) => event.sessionId), events.map((event) => event.seq)],
            );
            // The first write lands but is reported lost: the retry must not duplicate it.
            if (failedWrites++ === 0) throw new ServiceUnavailableError('connection reset after the write');
            return [];
          },
        }),
    },
    dlq,
  );
  const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM ${table}`);
  assert.equal(Number(rows[0]!.count), total);
  assert.equal((await readTopicToEnd(kafka, dlq)).length, 0);
});
