import { detectorScore, percentile, signal, type DetectorScore } from '@proctoflex/core';
import { createTestClickHouse, testKafka } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { signalRows } from '@proctoflex/sink-clickhouse/rows';

/**
 * `npm run bench:sinks [scores]`: rows/s into ClickHouse through one clickhouse-sink instance
 * (`scores` face scores of four signals each, already in Kafka, 12 partitions), then the latency
 * of one sink-sized insert (5,000 scores, 20,000 rows) straight from the client. Kafka,
 * ClickHouse and the sink share this machine's cores.
 */
const scoreCount = Number(process.argv[2] ?? '250000');
const kafka = testKafka();

function faceScores(count: number): DetectorScore[] {
  const t0 = Date.now() - 3_600_000;
  return Array.from({ length: count }, (_, index) => {
    const session = index % 1000;
    const seq = Math.floor(index / 1000);
    const input = {
      sessionId: `session-${session}`,
      examId: 'bench',
      candidateId: `candidate-${session}`,
      seq,
      captureTime: t0 + seq * 2000,
    };
    return detectorScore(input, 'proctor.frames.v1', 'FACE', 'bench', [
      signal('no_face', 0, { measurements: { faceCount: 1 } }),
      signal('several_faces', 0),
      signal('looking_away', 0.1, { measurements: { yawDegrees: 8, pitchDegrees: -3 } }),
      signal('identity_mismatch', 0.05, { measurements: { similarity: 0.81 } }),
    ]);
  });
}

const pipeline = await TestPipeline.create(kafka, 'bench.sinks', 12);
const clickhouse = await createTestClickHouse('bench_sinks');
try {
  const scores = faceScores(scoreCount);
  const rows = scores.length * 4;
  await pipeline.produce('SCORES_TOPIC', scores);

  const { process, stageName } = pipeline.spawnStage('clickhouse-sink', { CLICKHOUSE_URL: clickhouse.url });
  await process.started;
  const started = Date.now();
  await pipeline.caughtUp(stageName, 'SCORES_TOPIC', 600_000);
  const seconds = (Date.now() - started) / 1000;
  console.log(`\none clickhouse-sink instance, ${scores.length} scores in Kafka (${rows} signal rows)`);
  console.log(`${(rows / seconds).toFixed(0)} rows/s (${seconds.toFixed(1)} s from ready to caught up)`);

  const batch = scores.slice(0, 5000).flatMap(signalRows);
  const latencies: number[] = [];
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const insertStarted = performance.now();
    await clickhouse.client.insert({ table: 'signals', values: batch, format: 'JSONEachRow' });
    latencies.push(performance.now() - insertStarted);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `insert of ${batch.length} rows: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
  );
} finally {
  await clickhouse.drop();
  await pipeline.close();
}
