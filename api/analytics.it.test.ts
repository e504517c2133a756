import assert from 'node:assert/strict';
import test from 'node:test';
import type { AlertEvent } from '@proctoflex/core';
import { detectorScore, signal } from '@proctoflex/core';
import { createTestClickHouse, eventually, uniqueName } from '@proctoflex/core/testing';
import { startApi, startSession, twoExams } from './src/testing.ts';

test("exam analytics come from ClickHouse, for the exam's instructor and admins only", async (t) => {
  const clickhouse = await createTestClickHouse('it_api_analytics');
  t.after(() => clickhouse.drop());
  const api = await startApi(t, { CLICKHOUSE_URL: clickhouse.url });
  const { call, pipeline } = api;
  const { adminToken, instructorA, instructorB, proctorA, studentA, examA } = await twoExams(api);
  const started = await startSession(call, examA, studentA.token);
  const sessionId = started.body.sessionId as string;
  const now = Date.now();
  const claims = { sessionId, examId: examA, candidateId: studentA.id };
  // What the processors and the risk stage would send for a phone seen in 10 of 30 frames.
  await pipeline.produce(
    'SCORES_TOPIC',
    Array.from({ length: 30 }, (_, seq) =>
      detectorScore({ ...claims, seq, captureTime: now - 60_000 + seq * 2000 }, 'proctor.frames.v1', 'OBJECT', 'test', [
        signal('phone_visible', seq >= 10 && seq < 20 ? 0.9 : 0.1),
      ]),
    ),
  );
  const alert: AlertEvent = {
    alertId: uniqueName('alert'),
    ...claims,
    rule: 'phone_visible',
    action: 'OPENED',
    revision: 0,
    severity: 'HIGH',
    description: 'A phone is visible',
    startSeq: 10,
    startTime: now - 40_000,
    eventTime: now - 36_000,
    endTime: null,
    evidence: [],
    scores: [],
  };
  await pipeline.produce('ALERTS_TOPIC', [alert]);
  await pipeline.produce('RISK_TOPIC', [
    { ...claims, riskScore: 64, level: 'HIGH', captureTime: now - 36_000, computedTime: now, contributions: [] },
  ]);
  // The desktop's STARTED, as the gateway forwards it.
  await pipeline.produce('SESSIONS_TOPIC', [
    { ...claims, seq: 0, captureTime: now - 62_000, type: 'STARTED', clientVersion: '1.0.0', detail: null },
  ]);
  await pipeline.processAll('alerts-sink', { DATABASE_URL: api.database.url });
  assert.equal(
    (await call('POST', `/api/alerts/${alert.alertId}/review`, proctorA.token, { decision: 'confirm' })).status,
    200,
  );
  const sink = await pipeline.processAll('clickhouse-sink', { CLICKHOUSE_URL: clickhouse.url });
  for (const topic of ['ALERTS_TOPIC', 'REVIEWS_TOPIC', 'RISK_TOPIC', 'SESSIONS_TOPIC'] as const)
    await pipeline.caughtUp(sink, topic);

  const analytics = (name: string, token: string, query = '') =>
    call('GET', `/api/exams/${examA}/analytics/${name}${query}`, token);
  const perHour = await analytics('signals-per-hour', instructorA.token);
  assert.equal(perHour.status, 200, JSON.stringify(perHour.body));
  // The minute of scores may straddle an hour: each hour counts its own.
  const hours = new Map<number, [string, number, number]>();
  for (let seq = 0; seq < 30; seq += 1) {
    const hour = Math.floor((now - 60_000 + seq * 2000) / 3_600_000);
    const [, present, scored] = hours.get(hour) ?? ['phone_visible', 0, 0];
    hours.set(hour, ['phone_visible', present + (seq >= 10 && seq < 20 ? 1 : 0), scored + 1]);
  }
  assert.deepEqual(
    (perHour.body.rows as Record<string, unknown>[]).map(({ signal, inputsPresent, inputsScored }) => [
      signal,
      Number(inputsPresent),
      Number(inputsScored),
    ]),
    [...hours.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, counts]) => counts)
      .filter(([, present]) => present > 0),
  );
  const outcomes = await analytics('alert-outcomes', adminToken);
  assert.deepEqual(
    (outcomes.body.rows as Record<string, unknown>[]).map(({ rule, alerts, confirmed }) => [rule, alerts, confirmed]),
    [['phone_visible', '1', '1']],
  );
  // Across every exam the caller manages: instructor A's one exam, none of instructor B's alerts.
  const across = async (token: string) => (await call('GET', '/api/analytics/alert-outcomes', token)).body;
  assert.deepEqual(
    ((await across(instructorA.token)).rows as Record<string, unknown>[]).map(({ rule, alerts }) => [rule, alerts]),
    [['phone_visible', '1']],
  );
  assert.deepEqual(await across(instructorB.token), { exams: 1, rows: [] });
  assert.equal((await call('GET', '/api/analytics/alert-outcomes', proctorA.token)).status, 403);
  const distribution = await analytics('risk-distribution', instructorA.token);
  assert.deepEqual(distribution.body.rows, [{ riskBand: '60', sessions: '1' }]);
  // A range before the scores finds nothing; values that are not times are refused.
  const before = await analytics('signals-per-hour', instructorA.token, '?to=2020-01-01T00:00:00Z');
  assert.deepEqual(before.body.rows, []);
  assert.equal((await analytics('signals-per-hour', instructorA.token, "?from=1' OR '1'='1")).status, 400);
  assert.equal((await analytics('signals-per-hour', instructorB.token)).status, 403);
  assert.equal((await analytics('signals-per-hour', proctorA.token)).status, 403);

  // GDPR: a candidate's data exported, then erased; the exam erased once past its retention.
  assert.equal((await call('GET', `/api/users/${studentA.id}/export`, instructorA.token)).status, 403);
  const exported = await call('GET', `/api/users/${studentA.id}/export`, adminToken);
  assert.equal(exported.status, 200);
  const data = exported.body as { sessions: unknown[]; alerts: unknown[]; analytics: Record<string, unknown[]> };
  assert.deepEqual(
    [data.sessions.length, data.alerts.length, data.analytics.signals!.length, data.analytics.session_events!.length],
    [1, 1, 30, 1],
  );
  const clickhouseCount = async (table: string, column: string, value: string) =>
    Number(
      (
        await (
          await clickhouse.client.query({
            query: `SELECT count() AS n FROM ${table} WHERE ${column} = '${value}'`,
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>()
      )[0]!.n,
    );
  // ClickHouse deletes asynchronously (mutations): wait until they are done.
  const gone = (table: string, column: string, value: string) =>
    eventually(
      `${table} rows of ${value} deleted`,
      async () => (await clickhouseCount(table, column, value)) === 0,
      60_000,
    );

  const erased = await call('DELETE', `/api/users/${studentA.id}/data`, adminToken);
  assert.deepEqual([erased.status, erased.body], [200, { sessions: 1 }]);
  const { rows: left } = await api.database.pool.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM sessions WHERE candidate_id = $1) + (SELECT count(*) FROM alerts WHERE candidate_id = $1)
       + (SELECT count(*) FROM exam_members WHERE user_id = $1) AS n`,
    [studentA.id],
  );
  assert.equal(Number(left[0]!.n), 0);
  for (const table of ['signals', 'risk_updates', 'alert_events', 'session_events'])
    await gone(table, 'candidate_id', studentA.id);
  assert.equal((await call('GET', '/api/me', studentA.token)).status, 401, 'the account is disabled');

  const moved = { ...examPolicyBody(now - 3 * 86_400_000, now - 2 * 86_400_000), retentionDays: 1 };
  assert.equal((await call('PUT', `/api/exams/${examA}`, instructorA.token, moved)).status, 200);
  const retention = await call('POST', '/api/admin/retention', adminToken);
  assert.deepEqual(retention.body.purgedExams, [examA]);
  for (const table of ['alert_reviews', 'signal_minute_states', 'exams']) await gone(table, 'exam_id', examA);
  assert.deepEqual((await call('POST', '/api/admin/retention', adminToken)).body.purgedExams, [], 'purged once');
});

/** An exam body for PUT /api/exams/:id with the given window. */

function examPolicyBody(startsAt: number, endsAt: number) {
  return {
    title: 'Linear algebra',
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    durationMinutes: 90,
  };
}
