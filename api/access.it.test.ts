import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import {
  type AlertEvent,
  type AlertReview,
  type ExamPolicy,
  type RiskUpdate,
  repoPath,
  verifyIngestToken,
} from '@proctoflex/core';
import { uniqueName } from '@proctoflex/core/testing';
import { openApiDocument } from './src/index.ts';
import { liveStream, startApi, startSession, twoExams } from './src/testing.ts';

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

  // An admin assigns instructor B to exam A: B manages it as its creator does, until taken off.
  // Only an admin assigns instructors; setting the other members leaves them as they are.
  const membersOfA = { candidates: [studentA.id], proctors: [proctorA.id] };
  const setMembers = (token: string, members: Record<string, string[]>) =>
    call('PUT', `/api/exams/${examA}/members`, token, members);
  assert.equal((await setMembers(instructorA.token, { ...membersOfA, instructors: [instructorB.id] })).status, 403);
  assert.equal((await setMembers(adminToken, { ...membersOfA, instructors: [proctorA.id] })).status, 400);
  assert.equal((await setMembers(instructorB.token, membersOfA)).status, 403);
  assert.equal((await setMembers(adminToken, { ...membersOfA, instructors: [instructorB.id] })).status, 200);
  assert.deepEqual(new Set(await examIds(instructorB.token)), new Set([examA, examB]));
  assert.equal((await setMembers(instructorB.token, membersOfA)).status, 200, 'B manages exam A');
  assert.deepEqual((await call('GET', `/api/exams/${examA}`, instructorA.token)).body.instructors, [instructorB.id]);
  assert.equal((await setMembers(adminToken, { ...membersOfA, instructors: [] })).status, 200);
  assert.deepEqual(await examIds(instructorB.token), [examB]);
  assert.equal((await setMembers(instructorB.token, membersOfA)).status, 403, 'taken off, B manages it no more');

  // Sessions: a student starts one in their own exam only, and gets an ingest token for it.
  assert.equal((await startSession(call, examB, studentA.token)).status, 403);
  const started = await startSession(call, examA, studentA.token);
  assert.equal(started.status, 201);
  const sessionId = started.body.sessionId as string;
  assert.deepEqual(verifyIngestToken(api.secrets.ingest, started.body.ingestToken as string), {
    sessionId,
    examId: examA,
    candidateId: studentA.id,
  });
  assert.equal((await startSession(call, examA, studentA.token)).status, 409);
  assert.equal((await startSession(call, examA, proctorA.token)).status, 403);
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
  const sessionId = (await startSession(call, examA, studentA.token)).body.sessionId as string;
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
  const values: Record<string, string> = {
    examId: examA,
    sessionId,
    alertId,
    userId: studentA.id,
    kind: 'thumbnail',
    seq: '0',
  };
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
    'POST /api/exams/{examId}/alerts/review': { rule: 'speech', decision: 'dismiss' },
    'PUT /api/users/{userId}/reference-photo': {
      jpeg: readFileSync(repoPath('models/fixtures/grace-hopper.jpg')).toString('base64'),
    },
  };
  // Student A's photo on record, for those who may see it.
  const uploaded = await call(
    'PUT',
    `/api/users/${studentA.id}/reference-photo`,
    adminToken,
    bodies['PUT /api/users/{userId}/reference-photo'],
  );
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
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
      // Student A, the {userId}, sits exam A.
      const inAnExam = /\{(examId|sessionId|alertId|userId)\}/.test(path);
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
        // No evidence file, no screen picture, no identity selfie: the session's own check passed them.
        const nothingThere =
          path.endsWith('{kind}') || path.endsWith('/screens/{seq}') || path.endsWith('/verification/photo');
        const expected = allowed ? (nothingThere ? 404 : 200) : caller.token ? 403 : 401;
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
