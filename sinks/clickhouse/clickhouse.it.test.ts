import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import test from 'node:test';
import {
  detectorScore,
  repoPath,
  signal,
  type AlertEvent,
  type AlertReview,
  type DetectorScore,
  type RiskUpdate,
} from '@proctoflex/core';
import {
  committedOffsetTotal,
  createTestClickHouse,
  examPolicy,
  killStage,
  testKafka,
  TcpLink,
  uniqueName,
  stageRetries,
  waitUntil,
  withAdmin,
  type TopicVariable,
} from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { scriptedExam } from '@proctoflex/ingest/sim';

const kafka = testKafka();

/** Each table of the sink, the topic it mirrors and the rows the topic's records make. */
const tables: { table: string; topic: TopicVariable; rowsOf: (values: unknown[]) => number }[] = [
  {
    table: 'signals',
    topic: 'SCORES_TOPIC',
    rowsOf: (scores) => (scores as DetectorScore[]).reduce((sum, score) => sum + score.signals.length, 0),
  },
  {
    table: 'risk_updates',
    topic: 'RISK_TOPIC',
    // One row per session and moment (see the migration).
    rowsOf: (risks) =>
      new Set((risks as RiskUpdate[]).map((risk) => `${risk.sessionId}/${risk.captureTime}/${risk.computedTime}`)).size,
  },
  { table: 'alert_events', topic: 'ALERTS_TOPIC', rowsOf: (values) => values.length },
  { table: 'session_events', topic: 'SESSIONS_TOPIC', rowsOf: (values) => values.length },
  { table: 'process_snapshots', topic: 'PROCESS_TOPIC', rowsOf: (values) => values.length },
  { table: 'alert_reviews', topic: 'REVIEWS_TOPIC', rowsOf: (values) => values.length },
  { table: 'exams', topic: 'POLICIES_TOPIC', rowsOf: (values) => values.length },
];

type Rows = Record<string, unknown>[];

test('a simulated exam lands in every ClickHouse table once, through a SIGKILL and a full replay; the example analyses answer', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.clickhouse');
  t.after(() => pipeline.close());
  const clickhouse = await createTestClickHouse('it_ch_sink');
  t.after(() => clickhouse.drop());
  const query = async (sql: string) =>
    (await clickhouse.client.query({ query: sql, format: 'JSONEachRow' })).json<Rows[number]>();

  const examId = uniqueName('exam');
  await pipeline.produce('POLICIES_TOPIC', [examPolicy(examId, { surveillanceLevel: 'STRICT' })], () => examId);
  const { candidates } = await scriptedExam(examId, ['honest', 'phone', 'forbidden-app', 'talks'], 60);
  for (const { records } of candidates) await pipeline.produceSession(records);
  await pipeline.scoreAll();
  const risk = await pipeline.processAll('risk');
  await pipeline.caughtUp(risk, 'SESSIONS_TOPIC');
  // Proctors review what was raised, as the API publishes it: the phone confirmed, the rest dismissed.
  const opened = (await pipeline.read<AlertEvent>('ALERTS_TOPIC')).filter((alert) => alert.action === 'OPENED');
  assert.ok(
    opened.some((alert) => alert.rule === 'phone_visible'),
    'the phone was seen',
  );
  const reviews = opened.map((alert): AlertReview => ({
    alertId: alert.alertId,
    sessionId: alert.sessionId,
    examId,
    rule: alert.rule,
    decision: alert.rule === 'phone_visible' ? 'CONFIRMED' : 'DISMISSED',
    reviewerId: 'proctor-1',
    reviewedTime: Date.now(),
  }));
  await pipeline.produce('REVIEWS_TOPIC', reviews);

  // Small fetches make small batches, so that the kill comes between inserts.
  const sinkName = uniqueName('it-ch-kill');
  const env = { CLICKHOUSE_URL: clickhouse.url, STAGE_INSTANCE_ID: 'one', STAGE_FETCH_MAX_BYTES: '16384' };
  const first = pipeline.spawnStage('clickhouse-sink', env, sinkName);
  await first.process.started;
  await waitUntil(
    kafka,
    'some scores written',
    async (admin) => (await committedOffsetTotal(admin, `proctoflex.${sinkName}`, pipeline.topics.SCORES_TOPIC)) > 0,
  );
  await killStage(first.process);
  pipeline.spawnStage('clickhouse-sink', env, sinkName);
  for (const { topic } of tables) await pipeline.caughtUp(sinkName, topic);

  const expected = new Map<string, number>();
  for (const { table, topic, rowsOf } of tables) {
    expected.set(table, rowsOf(await pipeline.read(topic)));
  }
  const counted = async () => {
    const counts = new Map<string, number>();
    for (const { table } of tables)
      counts.set(table, Number((await query(`SELECT count() AS n FROM ${table} FINAL`))[0]!.n));
    return counts;
  };
  const rollup = () => query('SELECT * FROM signals_per_minute ORDER BY minute, detector, signal');
  assert.deepEqual(await counted(), expected);
  const rollupOnce = await rollup();
  assert.equal(
    rollupOnce.reduce((sum, row) => sum + Number(row.inputs), 0),
    expected.get('signals'),
    'the rollup counts every signal row',
  );

  // A second sink with a group of its own writes everything again: counted once all the same.
  const replay = await pipeline.processAll('clickhouse-sink', { CLICKHOUSE_URL: clickhouse.url });
  for (const { topic } of tables) await pipeline.caughtUp(replay, topic);
  assert.deepEqual(await counted(), expected);
  assert.deepEqual(await rollup(), rollupOnce);

  const analyses = new Map<string, Rows>();
  const queriesDir = repoPath('infra/clickhouse/queries');
  for (const file of readdirSync(queriesDir).filter((name) => name.endsWith('.sql')))
    analyses.set(file, await query(readFileSync(`${queriesDir}/${file}`, 'utf8')));
  assert.deepEqual([...analyses.keys()].sort(), [
    'alert_outcomes_per_rule.sql',
    'risk_distribution_per_level.sql',
    'signals_per_exam_per_hour.sql',
    'top_forbidden_apps.sql',
  ]);

  const perHour = analyses.get('signals_per_exam_per_hour.sql')!;
  const phone = perHour.find((row) => row.signal === 'phone_visible')!;
  assert.deepEqual(Object.keys(phone), [
    'exam_id',
    'hour',
    'detector',
    'signal',
    'inputs_present',
    'inputs_scored',
    'sessions_present',
    'sessions_scored',
  ]);
  assert.equal(phone.exam_id, examId);
  assert.ok(Number(phone.inputs_present) > 0 && Number(phone.sessions_present) >= 1);

  const outcomes = analyses.get('alert_outcomes_per_rule.sql')!;
  const phoneOutcome = outcomes.find((row) => row.rule === 'phone_visible')!;
  const phoneAlerts = opened.filter((alert) => alert.rule === 'phone_visible').length;
  assert.deepEqual(phoneOutcome, {
    rule: 'phone_visible',
    detector: 'OBJECT',
    alerts: String(phoneAlerts),
    confirmed: String(phoneAlerts),
    dismissed: '0',
    escalated: '0',
    unreviewed: '0',
    confirmed_share: 1,
  });
  assert.equal(
    outcomes.reduce((sum, row) => sum + Number(row.dismissed), 0),
    opened.length - phoneAlerts,
  );

  const distribution = analyses.get('risk_distribution_per_level.sql')!;
  assert.deepEqual(new Set(distribution.map((row) => row.surveillance_level)), new Set(['STRICT']));
  assert.equal(
    distribution.reduce((sum, row) => sum + Number(row.sessions), 0),
    candidates.length,
  );
  assert.ok(Math.abs(distribution.reduce((sum, row) => sum + Number(row.share_of_level), 0) - 1) < 0.01);

  const apps = analyses.get('top_forbidden_apps.sql')!;
  assert.deepEqual(apps.map(({ signal, name, sessions }) => [signal, name, sessions]).sort(), [
    ['forbidden_app', 'discord', '1'],
    ['forbidden_domain', 'chatgpt.com', '1'],
  ]);
});

test('ClickHouse out of reach: the sink waits, commits nothing it did not write, and catches up', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.clickhouse-down');
  t.after(() => pipeline.close());
  const clickhouse = await createTestClickHouse('it_ch_down');
  t.after(() => clickhouse.drop());
  // The sink reaches ClickHouse through a proxy the test can cut, as a network failure would.
  const link = await TcpLink.open(new URL(clickhouse.url));
  t.after(() => link.cut());

  const scores = (from: number, count: number) =>
    Array.from({ length: count }, (_, index) =>
      detectorScore(
        {
          sessionId: `s-${index % 20}`,
          examId: 'exam-down',
          candidateId: 'c',
          seq: from + index,
          captureTime: Date.now(),
        },
        'proctor.audio.v1',
        'VOICE',
        'silero',
        [signal('speech', 0.2)],
      ),
    );
  const count = async () =>
    Number(
      (
        await (
          await clickhouse.client.query({ query: 'SELECT count() AS n FROM signals FINAL', format: 'JSONEachRow' })
        ).json<{ n: string }>()
      )[0]!.n,
    );

  await pipeline.produce('SCORES_TOPIC', scores(0, 500));
  const { process: sinkProcess, stageName: sink } = pipeline.spawnStage('clickhouse-sink', {
    CLICKHOUSE_URL: link.via(clickhouse.url),
  });
  const port = await sinkProcess.started;
  await pipeline.caughtUp(sink, 'SCORES_TOPIC');
  assert.equal(await count(), 500);

  await link.cut();
  await pipeline.produce('SCORES_TOPIC', scores(500, 1500));
  await waitUntil(kafka, 'failed batches retried', async () => (await stageRetries(port, 'process batch')) >= 3);
  const committed = await withAdmin(kafka, (admin) =>
    committedOffsetTotal(admin, `proctoflex.${sink}`, pipeline.topics.SCORES_TOPIC),
  );
  assert.equal(committed, 500, 'nothing committed while ClickHouse is out of reach');
  assert.equal(await count(), 500);

  await link.restore();
  await pipeline.caughtUp(sink, 'SCORES_TOPIC');
  assert.equal(await count(), 2000);
});

test('ClickHouse overloaded (too many parts): the batch waits and is written once the server takes it, nothing dead-lettered', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.clickhouse-busy');
  t.after(() => pipeline.close());
  const clickhouse = await createTestClickHouse('it_ch_busy');
  t.after(() => clickhouse.drop());
  const command = (query: string) => clickhouse.client.command({ query });
  // A real server error, as when merges fall behind: a copy of `signals` whose inserts ClickHouse
  // refuses with TOO_MANY_PARTS (its limit 0), swapped in for the real table.
  const { statement } = (
    await (
      await clickhouse.client.query({ query: 'SHOW CREATE TABLE signals', format: 'JSONEachRow' })
    ).json<{
      statement: string;
    }>()
  )[0]!;
  await command('RENAME TABLE signals TO signals_ready');
  await command(statement.replace(/SETTINGS /, 'SETTINGS parts_to_delay_insert = 0, parts_to_throw_insert = 0, '));
  const scores = Array.from({ length: 200 }, (_, seq) =>
    detectorScore(
      { sessionId: `s-${seq % 10}`, examId: 'exam-busy', candidateId: 'c', seq, captureTime: Date.now() },
      'proctor.audio.v1',
      'VOICE',
      'silero',
      [signal('speech', 0.2)],
    ),
  );
  await pipeline.produce('SCORES_TOPIC', scores);
  const sink = pipeline.spawnStage('clickhouse-sink', { CLICKHOUSE_URL: clickhouse.url });
  const port = await sink.process.started;
  await waitUntil(kafka, 'the refused batch retried', async () => (await stageRetries(port, 'process batch')) >= 3);
  assert.equal(
    await withAdmin(kafka, (admin) =>
      committedOffsetTotal(admin, `proctoflex.${sink.stageName}`, pipeline.topics.SCORES_TOPIC),
    ),
    0,
    'nothing committed while the server refuses',
  );

  await command('DROP TABLE signals');
  await command('RENAME TABLE signals_ready TO signals');
  await pipeline.stageCaughtUp(sink);
  const { n } = (
    await (
      await clickhouse.client.query({ query: 'SELECT count() AS n FROM signals FINAL', format: 'JSONEachRow' })
    ).json<{ n: string }>()
  )[0]!;
  assert.equal(Number(n), 200);
  assert.deepEqual(await pipeline.read('DLQ_TOPIC'), [], 'an overloaded server is no reason to dead-letter a record');
});
