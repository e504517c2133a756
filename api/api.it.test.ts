import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import jwt from 'jsonwebtoken';
import {
  type AlertEvent,
  type AlertReview,
  type ExamPolicy,
  type RiskUpdate,
  mintIngestToken,
  verifyIngestToken,
} from '@proctoflex/core';
import { detectorScore, signal } from '@proctoflex/core';
import { createTestClickHouse, eventually, freePort, uniqueName } from '@proctoflex/core/testing';
import type { ServerSentEvent } from '@proctoflex/core/sse';
import { openApiDocument } from './src/index.ts';
import { admin, liveStream, startApi, startTestStages, streamScriptedSession, twoExams } from './src/testing.ts';

test('each role gets exactly its own: exams, sessions and alerts of other exams are 403, reviews are audited and published', async (t) => {
  const api = await startApi(t);
  const { call, pipeline, database } = api;
  const world = await twoExams(api);
  const { adminToken, instructorA, instructorB, proctorA, proctorB, studentA, studentB, examA, examB } = world;

  // Users: admins see everyone, instructors the students and proctors they assign, others nothing.
  assert.equal((await call('GET', '/api/users', adminToken)).status, 200);
  for (const who of [proctorA, studentA]) assert.equal((await call('GET', '/api/users', who.token)).status, 403);
  const directory = (await call('GET', '/api/users', instructorA.token)).body.users as { role: string }[];
  assert.deepEqual([...new Set(directory.map(({ role }) => role))].sort(), ['proctor', 'student']);
  assert.deepEqual((await call('GET', '/api/users?role=admin', instructorA.token)).body.users, []);
  assert.equal((await call('GET', '/api/users')).status, 401);

  // Exams: instructors and admins create; everyone sees only theirs.
  assert.equal((await call('POST', '/api/exams', studentA.token, {})).status, 403);
  assert.equal((await call('POST', '/api/exams', proctorA.token, {})).status, 403);
  const examIds = async (token: string) =>
    ((await call('GET', '/api/exams', token)).body.exams as { id: string }[]).map(({ id }) => id);
  assert.deepEqual(await examIds(proctorA.token), [examA]);
  assert.deepEqual(await examIds(studentB.token), [examB]);
  assert.deepEqual(await examIds(instructorB.token), [examB]);
  assert.deepEqual(new Set(await examIds(adminToken)), new Set([examA, examB]));
  assert.equal((await call('GET', `/api/exams/${examA}`, proctorB.token)).status, 403);
  assert.equal((await call('GET', `/api/exams/${examA}`, studentB.token)).status, 403);
  assert.equal((await call('GET', `/api/exams/${uniqueName('none')}`, adminToken)).status, 404);
  const examADetail = await call('GET', `/api/exams/${examA}`, proctorA.token);
  assert.deepEqual([examADetail.body.candidates, examADetail.body.proctors], [[studentA.id], [proctorA.id]]);

  // Changes by the exam's own instructor only, each published as the next policy version.
  const current = examADetail.body.policy as ExamPolicy;
  const body = {
    title: 'Linear algebra II',
    startsAt: new Date(current.startTime).toISOString(),
    endsAt: new Date(current.endTime).toISOString(),
    durationMinutes: 90,
    surveillanceLevel: 'STANDARD',
  };
  assert.equal((await call('PUT', `/api/exams/${examA}`, instructorB.token, body)).status, 403);
  assert.equal((await call('PUT', `/api/exams/${examA}`, instructorA.token, body)).status, 200);
  const policies = (await pipeline.read<ExamPolicy>('POLICIES_TOPIC')).filter((policy) => policy.examId === examA);
  assert.deepEqual(
    policies.map(({ version, surveillanceLevel, title }) => [version, surveillanceLevel, title]),
    [
      [1, 'STRICT', 'Linear algebra'],
      [2, 'STANDARD', 'Linear algebra II'],
    ],
  );
  assert.deepEqual(policies[0]!.allowedDomains, ['exam.proctoflex.dev']);

  // Sessions: a student starts one in their own exam only, and gets an ingest token for it.
  assert.equal((await call('POST', `/api/exams/${examB}/sessions`, studentA.token)).status, 403);
  const started = await call('POST', `/api/exams/${examA}/sessions`, studentA.token);
  assert.equal(started.status, 201);
  const sessionId = started.body.sessionId as string;
  assert.deepEqual(verifyIngestToken(api.secrets.ingest, started.body.ingestToken as string), {
    sessionId,
    examId: examA,
    candidateId: studentA.id,
  });
  assert.equal((await call('POST', `/api/exams/${examA}/sessions`, studentA.token)).status, 409);
  assert.equal((await call('POST', `/api/exams/${examA}/sessions`, proctorA.token)).status, 403);
  assert.equal((await call('GET', `/api/sessions/${sessionId}`, studentA.token)).status, 200);
  assert.equal((await call('GET', `/api/sessions/${sessionId}`, studentB.token)).status, 403);
  assert.equal((await call('GET', `/api/sessions/${sessionId}`, proctorB.token)).status, 403);
  assert.equal((await call('POST', `/api/sessions/${sessionId}/token`, studentB.token)).status, 403);
  const sessionsOf = async (token: string) => (await call('GET', `/api/exams/${examA}/sessions`, token)).body;
  assert.deepEqual(
    ((await sessionsOf(proctorA.token)).sessions as { id: string }[]).map(({ id }) => id),
    [sessionId],
  );
  assert.equal((await call('GET', `/api/exams/${examA}/sessions`, proctorB.token)).status, 403);

  // Live streams: proctor A watches exam A, proctor B exam B; a student may not watch.
  assert.equal((await call('GET', '/api/live', studentA.token)).status, 403);
  const liveA = await liveStream(api, proctorA.token);
  t.after(() => liveA.close());
  const liveB = await liveStream(api, proctorB.token);
  t.after(() => liveB.close());
  await liveA.until(({ type }) => type === 'ready');
  await liveB.until(({ type }) => type === 'ready');

  // Alerts, as the alerts sink writes them from the stream.
  const alert: AlertEvent = {
    alertId: uniqueName('alert'),
    sessionId,
    examId: examA,
    candidateId: studentA.id,
    rule: 'phone_visible',
    action: 'OPENED',
    revision: 0,
    severity: 'HIGH',
    description: 'A phone is visible',
    startSeq: 3,
    startTime: Date.now() - 5000,
    eventTime: Date.now() - 2000,
    endTime: null,
    evidence: [],
    scores: [],
  };
  await pipeline.produce('ALERTS_TOPIC', [alert]);
  await pipeline.processAll('alerts-sink', { DATABASE_URL: database.url });
  await liveA.until(({ type, data }) => type === 'alert' && data.id === alert.alertId);
  const risk: RiskUpdate = {
    sessionId,
    examId: examA,
    candidateId: studentA.id,
    riskScore: 42,
    level: 'MEDIUM',
    captureTime: Date.now(),
    computedTime: Date.now(),
    contributions: [{ rule: 'phone_visible', points: 42 }],
  };
  await pipeline.produce('RISK_TOPIC', [risk]);
  await liveA.until(({ type, data }) => type === 'risk' && data.sessionId === sessionId && data.riskScore === 42);
  assert.deepEqual(
    liveB.events.filter(({ type }) => type !== 'ready'),
    [],
    "another exam's alerts and risk never reach proctor B",
  );
  const listed = (await sessionsOf(proctorA.token)).sessions as { risk: RiskUpdate }[];
  assert.equal(listed[0]!.risk.riskScore, 42);

  const alertIds = async (token: string) =>
    ((await call('GET', '/api/alerts', token)).body.alerts as { id: string }[]).map(({ id }) => id);
  assert.deepEqual(await alertIds(proctorA.token), [alert.alertId]);
  assert.deepEqual(await alertIds(instructorA.token), [alert.alertId]);
  assert.deepEqual(await alertIds(adminToken), [alert.alertId]);
  assert.deepEqual(await alertIds(proctorB.token), []);
  assert.equal((await call('GET', '/api/alerts', studentA.token)).status, 403);
  assert.equal((await call('GET', `/api/alerts/${alert.alertId}`, proctorB.token)).status, 403);
  assert.equal(
    (await call('POST', `/api/alerts/${alert.alertId}/review`, proctorB.token, { decision: 'confirm' })).status,
    403,
  );
  assert.equal(
    (await call('POST', `/api/alerts/${alert.alertId}/review`, instructorA.token, { decision: 'confirm' })).status,
    403,
  );

  const reviewed = await call('POST', `/api/alerts/${alert.alertId}/review`, proctorA.token, {
    decision: 'confirm',
    comment: 'Phone in the left hand',
  });
  assert.equal(reviewed.status, 200);
  assert.deepEqual([reviewed.body.reviewStatus, reviewed.body.reviewedBy], ['confirmed', proctorA.id]);
  const { rows: auditRows } = await database.pool.query<{
    actor_id: string;
    before: { reviewStatus: string };
    after: { reviewStatus: string };
    comment: string;
  }>("SELECT actor_id, before, after, comment FROM audit_log WHERE action = 'alert.review' AND entity_id = $1", [
    alert.alertId,
  ]);
  assert.equal(auditRows.length, 1);
  assert.deepEqual(
    [
      auditRows[0]!.actor_id,
      auditRows[0]!.before.reviewStatus,
      auditRows[0]!.after.reviewStatus,
      auditRows[0]!.comment,
    ],
    [proctorA.id, 'pending', 'confirmed', 'Phone in the left hand'],
  );
  const reviews = await pipeline.read<AlertReview>('REVIEWS_TOPIC');
  assert.deepEqual(
    reviews.map(({ alertId, decision, reviewerId, rule }) => [alertId, decision, reviewerId, rule]),
    [[alert.alertId, 'CONFIRMED', proctorA.id, 'phone_visible']],
  );
  const detail = await call('GET', `/api/alerts/${alert.alertId}`, proctorA.token);
  assert.deepEqual(
    (detail.body.history as { action: string }[]).map(({ action }) => action),
    ['OPENED'],
  );
});

test("every route of the OpenAPI document against every role: outside its roles 401 or 403, another exam's member 403, its roles read", async (t) => {
  const api = await startApi(t);
  const { call, pipeline, database } = api;
  const { adminToken, instructorA, instructorB, proctorA, proctorB, studentA, studentB, examA } = await twoExams(api);
  const sessionId = (await call('POST', `/api/exams/${examA}/sessions`, studentA.token)).body.sessionId as string;
  const alertId = uniqueName('alert');
  await pipeline.produce('ALERTS_TOPIC', [
    {
      alertId,
      sessionId,
      examId: examA,
      candidateId: studentA.id,
      rule: 'speech',
      action: 'OPENED',
      revision: 0,
      severity: 'MEDIUM',
      description: 'Speech for 6 s of the last 30 s',
      startSeq: 1,
      startTime: Date.now() - 6000,
      eventTime: Date.now(),
      endTime: null,
      evidence: [],
      scores: [],
    } satisfies AlertEvent,
  ]);
  await pipeline.processAll('alerts-sink', { DATABASE_URL: database.url });

  const callers = [
    { name: 'anonymous', role: null, token: undefined, inExamA: false },
    { name: 'admin', role: 'admin', token: adminToken, inExamA: true },
    { name: 'instructor A', role: 'instructor', token: instructorA.token, inExamA: true },
    { name: 'instructor B', role: 'instructor', token: instructorB.token, inExamA: false },
    { name: 'proctor A', role: 'proctor', token: proctorA.token, inExamA: true },
    { name: 'proctor B', role: 'proctor', token: proctorB.token, inExamA: false },
    { name: 'student A', role: 'student', token: studentA.token, inExamA: true },
    { name: 'student B', role: 'student', token: studentB.token, inExamA: false },
  ];
  const values: Record<string, string> = { examId: examA, sessionId, alertId, userId: studentA.id, kind: 'thumbnail' };
  const exam = {
    title: 'Linear algebra',
    startsAt: new Date(Date.now() - 3_600_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    durationMinutes: 90,
  };
  // Valid bodies, so that a refusal is the caller's and not the request's.
  const bodies: Record<string, unknown> = {
    'POST /api/users': {
      email: 'x@proctoflex.test',
      displayName: 'X',
      role: 'student',
      password: 'long enough password',
    },
    'POST /api/exams': exam,
    'PUT /api/exams/{examId}': exam,
    'PUT /api/exams/{examId}/members': { candidates: [studentA.id], proctors: [proctorA.id] },
    'POST /api/alerts/{alertId}/review': { decision: 'confirm' },
  };
  /** The status only: a live stream's body never ends. */
  const statusOf = async (method: string, route: string, token: string | undefined, body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${api.port}${route}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.body?.cancel();
    return response.status;
  };

  let checked = 0;
  for (const [path, operations] of Object.entries(openApiDocument.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, Record<string, unknown>>)) {
      const roles = operation['x-roles'] as string[];
      if (roles.length === 0) continue;
      const route = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!);
      const inAnExam = /\{(examId|sessionId|alertId)\}/.test(path);
      for (const caller of callers) {
        const allowed = caller.role !== null && roles.includes(caller.role) && (!inAnExam || caller.inExamA);
        // A call its roles may make is only made where it changes nothing: the other tests make the rest.
        if (allowed && method !== 'get') continue;
        const status = await statusOf(
          method.toUpperCase(),
          route,
          caller.token,
          bodies[`${method.toUpperCase()} ${path}`],
        );
        const expected = allowed ? (path.endsWith('{kind}') ? 404 : 200) : caller.token ? 403 : 401;
        assert.equal(status, expected, `${method.toUpperCase()} ${path} as ${caller.name}`);
        checked += 1;
      }
    }
  }
  assert.ok(checked > 150, `${checked} calls checked`);
  // Nothing a refused call asked for happened.
  const { rows } = await database.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM users WHERE email = 'x@proctoflex.test'",
  );
  assert.equal(rows[0]!.n, '0');
  assert.equal((await call('GET', `/api/alerts/${alertId}`, adminToken)).body.reviewStatus, 'pending');

  // The two writes no other test makes: a disabled user is signed out at once; a deleted exam
  // is gone for everyone and its last policy says so.
  assert.equal((await call('POST', `/api/users/${studentB.id}/disable`, adminToken)).body.disabled, true);
  assert.equal((await call('GET', '/api/me', studentB.token)).status, 401);
  assert.equal((await call('DELETE', `/api/exams/${examA}`, instructorA.token)).status, 204);
  for (const token of [adminToken, instructorA.token, proctorA.token, studentA.token])
    assert.equal((await call('GET', `/api/exams/${examA}`, token)).status, 404);
  const policies = (await pipeline.read<ExamPolicy>('POLICIES_TOPIC')).filter((policy) => policy.examId === examA);
  assert.deepEqual(
    policies.map(({ version, deleted }) => [version, deleted]),
    [
      [1, false],
      [2, true],
    ],
  );
});

test('token attacks are refused: expired, unsigned, wrong key, ingest tokens, refresh reuse; repeated failures lock', async (t) => {
  const api = await startApi(t);
  const { call, login, secrets } = api;
  const { accessToken, refreshToken } = await login(admin.email, admin.password);
  assert.equal((await call('GET', '/api/me', accessToken)).status, 200);

  const { sub } = jwt.decode(accessToken) as { sub: string };
  const claims = { role: 'admin' };
  const options = { subject: sub, audience: 'proctoflex-api', issuer: 'proctoflex' } as const;
  const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, secrets.jwt, {
    ...options,
    algorithm: 'HS256',
  });
  const unsigned = jwt.sign(claims, '', { ...options, algorithm: 'none' });
  const wrongKey = jwt.sign(claims, randomBytes(32).toString('hex'), { ...options, algorithm: 'HS256' });
  const ingest = mintIngestToken(secrets.ingest, { sessionId: 's', examId: 'e', candidateId: sub }, 60);
  const sameKeyIngestAudience = jwt.sign(claims, secrets.jwt, { ...options, audience: 'proctoflex-ingest' });
  for (const [name, token] of Object.entries({ expired, unsigned, wrongKey, ingest, sameKeyIngestAudience })) {
    const { status, body, response } = await call('GET', '/api/me', token);
    assert.equal(status, 401, `${name}: ${JSON.stringify(body)}`);
    assert.match(response.headers.get('www-authenticate') ?? '', /Bearer/);
  }
  assert.match((await call('GET', '/api/me', expired)).body.error as string, /expired/);

  // Refresh tokens work once; a second use revokes the whole sign-in.
  const first = await call('POST', '/api/auth/refresh', undefined, { refreshToken });
  assert.equal(first.status, 200);
  const second = first.body.refreshToken as string;
  const reused = await call('POST', '/api/auth/refresh', undefined, { refreshToken });
  assert.equal(reused.status, 401);
  assert.match(reused.body.error as string, /used twice/);
  assert.equal((await call('POST', '/api/auth/refresh', undefined, { refreshToken: second })).status, 401);
  // Logout ends a sign-in too.
  const other = await login(admin.email, admin.password);
  assert.equal((await call('POST', '/api/auth/logout', undefined, { refreshToken: other.refreshToken })).status, 204);
  assert.equal((await call('POST', '/api/auth/refresh', undefined, other)).status, 401);

  // Three wrong passwords lock the account: then even the right one is refused for a while.
  for (let attempt = 0; attempt < 3; attempt += 1)
    assert.equal(
      (await call('POST', '/api/auth/login', undefined, { ...admin, password: 'wrong password' })).status,
      401,
    );
  assert.equal((await call('POST', '/api/auth/login', undefined, admin)).status, 401);
  assert.equal(
    (await call('POST', '/api/auth/login', undefined, { email: 'nobody@x.test', password: 'x' })).status,
    401,
  );
});

test('filters with SQL in them or out of range are 400s or bound as values, never errors or other rows', async (t) => {
  const api = await startApi(t);
  const { call } = api;
  const { accessToken } = await api.login(admin.email, admin.password);
  const injection = "' OR 1=1 --";
  const status = async (query: string) => (await call('GET', `/api/alerts?${query}`, accessToken)).status;
  assert.equal(await status(`rule=${encodeURIComponent(injection)}`), 400);
  assert.equal(await status(`severity=${encodeURIComponent(injection)}`), 400);
  assert.equal(await status('limit=100000'), 400);
  assert.equal(await status('after=not-a-cursor'), 400);
  assert.equal(await status(`examId=${'x'.repeat(300)}`), 400);
  assert.equal(await status('from=yesterday'), 400);
  const bound = await call('GET', `/api/alerts?examId=${encodeURIComponent(injection)}`, accessToken);
  assert.deepEqual([bound.status, bound.body.alerts], [200, []]);
  const users = await call('GET', `/api/users?role=${encodeURIComponent(injection)}`, accessToken);
  assert.equal(users.status, 400);
  const badJson = await fetch(`http://127.0.0.1:${api.port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"email": ',
  });
  assert.equal(badJson.status, 400);
  const unknownRoute = await call('GET', '/api/nothing-here', accessToken);
  assert.equal(unknownRoute.status, 404);
  assert.match(unknownRoute.body.error as string, /openapi/);
});

test("exam analytics come from ClickHouse, for the exam's instructor and admins only", async (t) => {
  const clickhouse = await createTestClickHouse('it_api_analytics');
  t.after(() => clickhouse.drop());
  const api = await startApi(t, { CLICKHOUSE_URL: clickhouse.url });
  const { call, pipeline } = api;
  const { adminToken, instructorA, instructorB, proctorA, studentA, examA } = await twoExams(api);
  const started = await call('POST', `/api/exams/${examA}/sessions`, studentA.token);
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

test('the full path: a student starts a session, the simulator streams with its ingest token, the alert and its evidence reach the API and the live stream, a proctor confirms it, the audit log has it', async (t) => {
  const gatewayPort = await freePort();
  const api = await startApi(t, { API_INGEST_URL: `http://127.0.0.1:${gatewayPort}` });
  const { call } = api;
  // The stages between the gateway and the API: app policy, risk, alerts and evidence.
  const stages = await startTestStages(api, gatewayPort);
  t.after(() => stages.stop());
  const { adminToken, examA, studentA, proctorA, proctorB } = await twoExams(api);
  const live = await liveStream(api, proctorA.token);
  t.after(() => live.close());

  const grant = (await call('POST', `/api/exams/${examA}/sessions`, studentA.token)).body as {
    sessionId: string;
    ingestUrl: string;
    ingestToken: string;
  };
  assert.equal(grant.ingestUrl, `http://127.0.0.1:${gatewayPort}`);
  // 45 s of a candidate who opens forbidden apps and sites from second 20 to 40.
  const claims = { sessionId: grant.sessionId, examId: examA, candidateId: studentA.id };
  await streamScriptedSession(grant, claims, 'forbidden-app', 45, { ended: true });
  assert.equal((await call('POST', `/api/sessions/${grant.sessionId}/end`, studentA.token)).status, 200);

  const isForbiddenApp = ({ type, data }: ServerSentEvent) =>
    type === 'alert' && data.sessionId === grant.sessionId && data.rule === 'forbidden_app';
  const pushed = await live.until(isForbiddenApp, 60_000);
  await live.until(
    ({ type, data }) => type === 'risk' && data.sessionId === grant.sessionId && Number(data.riskScore) > 0,
  );
  const listed = await call('GET', `/api/alerts?examId=${examA}&rule=forbidden_app`, proctorA.token);
  const alerts = listed.body.alerts as { id: string; sessionId: string; candidateId: string }[];
  assert.deepEqual(
    alerts.map(({ id, sessionId, candidateId }) => [id, sessionId, candidateId]),
    [[pushed.data.id, grant.sessionId, studentA.id]],
  );
  const session = await call('GET', `/api/sessions/${grant.sessionId}`, proctorA.token);
  assert.equal(session.body.status, 'ended');
  assert.ok((session.body.risk as RiskUpdate | null)?.riskScore, 'the session carries its live risk');

  const alertId = alerts[0]!.id;
  // The evidence around the alert, decrypted for proctors of the exam only, never cached.
  const evidence = await eventually(
    'the evidence of the alert',
    async () => {
      const files = (await call('GET', `/api/alerts/${alertId}`, proctorA.token)).body.evidence as {
        kind: string;
        url: string;
      }[];
      return files.length === 3 ? files : undefined;
    },
    60_000,
  );
  assert.deepEqual(
    evidence.map(({ kind }) => kind),
    ['clip', 'strip', 'thumbnail'],
  );
  const thumbnail = evidence.find(({ kind }) => kind === 'thumbnail')!;
  const image = await fetch(`http://127.0.0.1:${api.port}${thumbnail.url}`, {
    headers: { authorization: `Bearer ${proctorA.token}` },
  });
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/jpeg');
  assert.match(image.headers.get('cache-control') ?? '', /no-store/);
  assert.deepEqual([...new Uint8Array(await image.arrayBuffer()).subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
  assert.equal((await call('GET', thumbnail.url, proctorB.token)).status, 403);
  assert.equal((await call('GET', thumbnail.url, studentA.token)).status, 403);
  const confirmed = await call('POST', `/api/alerts/${alertId}/review`, proctorA.token, {
    decision: 'confirm',
    comment: 'Chat assistant open during the exam',
  });
  assert.equal(confirmed.status, 200);
  const detail = await call('GET', `/api/alerts/${alertId}`, proctorA.token);
  assert.deepEqual(
    (detail.body.decisions as Record<string, unknown>[]).map(({ decision, comment, reviewerId }) => [
      decision,
      comment,
      reviewerId,
    ]),
    [['confirmed', 'Chat assistant open during the exam', proctorA.id]],
  );
  const audited = await call('GET', `/api/audit?entityType=alert&entityId=${alertId}`, adminToken);
  assert.equal(audited.status, 200);
  const [entry] = audited.body.entries as Record<string, Record<string, unknown>>[];
  assert.deepEqual(
    [entry!.actorId, entry!.action, entry!.before!.reviewStatus, entry!.after!.reviewStatus],
    [proctorA.id, 'alert.review', 'pending', 'confirmed'],
  );
  assert.equal((await call('GET', '/api/audit', proctorA.token)).status, 403);
});
