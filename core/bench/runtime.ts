import { parseArgs } from 'node:util';
import { Partitioners } from 'kafkajs';
import type { FrameCaptured } from '../src/contracts/records.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createMetricsRegistry } from '../src/metrics.ts';
import { AvroSerde } from '../src/serde.ts';
import { stageRunnerSpec } from '../src/stage/config.ts';
import type { StageDefinition } from '../src/stage/definition.ts';
import { StageRunner } from '../src/stage/runner.ts';
import { createTopics } from '../src/topics.ts';
import { servicesConfig, testKafka, uniqueName, waitForGroupCaughtUp, withAdmin } from '../src/testing/index.ts';

/**
 * `npm run bench:runtime [-- --records N --partitions P]`: records/s of one pass-through stage
 * instance (decode, handler, encode, produce, commit) over 1 KiB records, with transactions
 * (exactly-once) and without (at-least-once). Prints a markdown table.
 */
const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '200000' }, partitions: { type: 'string', default: '12' } },
});
const records = Number(args.records);
const partitions = Number(args.partitions);
const services = servicesConfig();
const kafka = testKafka();

async function prepareInput(): Promise<string> {
  const topic = uniqueName('bench.runtime.in');
  await withAdmin(kafka, (admin) => createTopics(admin, [{ topic, numPartitions: partitions }]));
  const serde = new AvroSerde(services.SCHEMA_REGISTRY_URL);
  await serde.registerTopic({ name: topic, schema: 'FrameCaptured' });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const jpeg = Buffer.alloc(900, 7);
  for (let start = 0; start < records; start += 10_000) {
    const messages = Array.from({ length: Math.min(10_000, records - start) }, (_, index) => {
      const frame: FrameCaptured = {
        sessionId: `session-${(start + index) % 1000}`,
        examId: 'exam-bench',
        candidateId: `candidate-${(start + index) % 1000}`,
        seq: start + index,
        captureTime: Date.now(),
        source: 'WEBCAM',
        enrolment: false,
        width: 640,
        height: 480,
        jpeg,
      };
      return { key: frame.sessionId, value: serde.encode(topic, frame) };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
  return topic;
}

async function measure(delivery: StageDefinition['delivery']) {
  const input = await prepareInput();
  const output = uniqueName('bench.runtime.out');
  const dlq = uniqueName('bench.runtime.dlq');
  await withAdmin(kafka, (admin) =>
    createTopics(admin, [{ topic: output, numPartitions: partitions }, { topic: dlq }]),
  );
  const definition: StageDefinition = {
    name: uniqueName(`bench-${delivery}`),
    inputs: [input],
    outputs: [{ topic: output, schema: 'FrameCaptured' }],
    delivery,
    stateful: false,
    open: () =>
      Promise.resolve({
        processBatch: (batch) => Promise.resolve(batch.map(({ key, value }) => ({ topic: output, key, value }))),
      }),
  };
  const runner = new StageRunner(
    definition,
    {
      ...services,
      ...loadConfig(stageRunnerSpec, { STAGE_INSTANCE_ID: 'bench', STAGE_HTTP_PORT: '0', DLQ_TOPIC: dlq }),
    },
    createLogger('bench', 'error'),
    createMetricsRegistry('bench'),
  );
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await runner.start();
  await waitForGroupCaughtUp(kafka, runner.groupId, input);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await runner.stop();
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [input, output, dlq] }));
  const batches = await runner.metrics.batchRecords.get();
  const count = batches.values.find((value) => value.metricName === 'stage_batch_records_count')?.value ?? 0;
  return {
    delivery,
    seconds,
    recordsPerSecond: records / seconds,
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
    recordsPerBatch: records / count,
  };
}

const exactlyOnce = await measure('exactly-once');
const atLeastOnce = await measure('at-least-once');
console.log(`\n${records} records of ~1 KiB (FrameCaptured), ${partitions} partitions, one instance\n`);
console.log('| delivery | seconds | records/s | CPU cores used | records per commit |');
console.log('|---|---|---|---|---|');
for (const result of [exactlyOnce, atLeastOnce]) {
  console.log(
    `| ${result.delivery} | ${result.seconds.toFixed(1)} | ${Math.round(result.recordsPerSecond)} | ${result.cpuCores.toFixed(2)} | ${Math.round(result.recordsPerBatch)} |`,
  );
}
const overhead = 1 - exactlyOnce.recordsPerSecond / atLeastOnce.recordsPerSecond;
console.log(`\ntransactions cost ${(overhead * 100).toFixed(1)} % of at-least-once throughput`);
