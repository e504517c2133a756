import assert from 'node:assert/strict';
import test from 'node:test';
import { detectorScore, signal, type DetectorScore } from '@proctoflex/core';
import { createTestClickHouse, testKafka, TestPipeline } from '@proctoflex/core/testing';

const kafka = testKafka();

function scores(sessions: number, perSession: number): DetectorScore[] {
  const t0 = Date.now() - 3_600_000;
  return Array.from({ length: sessions * perSession }, (_, index) => {
    const session = index % sessions;
    const seq = Math.floor(index / sessions);
    const input = {
      sessionId: `session-${session}`,
      examId: 'exam-ch',
      candidateId: `candidate-${session}`,
      seq,
      captureTime: t0 + seq * 1000,
    };
    return detectorScore(input, 'proctor.audio.v1', 'VOICE', 'silero', [
      signal('speech', seq % 7 === 0 ? 0.9 : 0.1, { measurements: { speechSeconds: 0.2 } }),
      signal('loud_noise', 0),
    ]);
  });
}

test('every signal of every score lands in ClickHouse once, even when a fresh sink replays the topic', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.clickhouse-sink');
  t.after(() => pipeline.close());
  const clickhouse = await createTestClickHouse('it_ch_sink');
  t.after(() => clickhouse.drop());
  const produced = scores(50, 40);
  await pipeline.produce('SCORES_TOPIC', produced);

  const count = async (query: string) =>
    Number((await (await clickhouse.client.query({ query, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
  await pipeline.processAll('clickhouse-sink', 'SCORES_TOPIC', { CLICKHOUSE_URL: clickhouse.url });
  assert.equal(await count('SELECT count() AS n FROM signals FINAL'), produced.length * 2);
  assert.equal(await count("SELECT count() AS n FROM signals FINAL WHERE signal = 'speech' AND score > 0.5"), 50 * 6);

  // A second sink with its own group reads everything again: rows are written twice, counted once.
  await pipeline.processAll('clickhouse-sink', 'SCORES_TOPIC', { CLICKHOUSE_URL: clickhouse.url });
  assert.equal(await count('SELECT count() AS n FROM signals FINAL'), produced.length * 2);
  assert.equal(await count(`SELECT uniqExact(session_id) AS n FROM signals WHERE exam_id = 'exam-ch'`), 50);
});
