import assert from 'node:assert/strict';
import test from 'node:test';
import type { SessionStatus } from '@proctoflex/core';
import { eventStream, liveStream, startApi, startSession, twoExams } from './src/testing.ts';

test("a proctor messages, pauses, resumes and ends a candidate's session: the candidate's stream has each at once, acknowledges it, the proctor sees both; audited; others refused", async (t) => {
  const api = await startApi(t);
  const { call } = api;
  const { adminToken, examA, studentA, studentB, proctorA, proctorB } = await twoExams(api);
  const sessionId = (await startSession(call, examA, studentA.token)).body.sessionId as string;
  const path = `/api/sessions/${sessionId}/interventions`;

  const candidate = await eventStream(api, studentA.token, `${path}/stream`);
  t.after(() => candidate.close());
  await candidate.until(({ type }) => type === 'ready');
  const proctors = await liveStream(api, proctorA.token, `?examId=${examA}`);
  t.after(() => proctors.close());
  await proctors.until(({ type }) => type === 'ready');

  const send = (kind: string, text?: string, token = proctorA.token) => call('POST', path, token, { kind, text });
  const received = async (id: string) =>
    (await candidate.until(({ type, data }) => type === 'intervention' && data.id === id)).data;

  const message = await send('message', 'Please turn your camera towards your desk.');
  assert.equal(message.status, 201, JSON.stringify(message.body));
  const shown = await received(message.body.id as string);
  assert.deepEqual(
    [shown.kind, shown.text, shown.acknowledgedAt, 'sentBy' in shown],
    ['message', 'Please turn your camera towards your desk.', null, false],
    'the candidate is not told who sent it',
  );
  const ack = await call('POST', `${path}/${String(shown.id)}/acknowledgement`, studentA.token);
  assert.equal(ack.status, 200);
  assert.ok(ack.body.acknowledgedAt);
  const read = await proctors.until(
    ({ type, data }) => type === 'intervention' && data.id === shown.id && data.acknowledgedAt !== null,
  );
  assert.equal(read.data.sentBy, proctorA.id);
  assert.equal(
    (await call('POST', `${path}/${String(shown.id)}/acknowledgement`, studentA.token)).body.acknowledgedAt,
    ack.body.acknowledgedAt,
    'acknowledged twice: the first time stays',
  );

  // Pause and resume: the session says it is paused in between; twice in a row is refused.
  const pause = await send('pause', 'Your proctor needs to check your room.');
  assert.equal(pause.status, 201);
  assert.equal((await received(pause.body.id as string)).kind, 'pause');
  assert.ok((await call('GET', `/api/sessions/${sessionId}`, proctorA.token)).body.pausedAt);
  assert.equal((await send('pause', 'again')).status, 409);
  const resume = await send('resume');
  assert.equal(resume.status, 201);
  assert.equal((await received(resume.body.id as string)).kind, 'resume');
  assert.equal((await call('GET', `/api/sessions/${sessionId}`, proctorA.token)).body.pausedAt, null);
  assert.equal((await send('resume')).status, 409);

  // What is refused: no reason, an unknown kind, a text too long, another exam's proctor, a candidate.
  for (const [body, status] of [
    [{ kind: 'pause' }, 400],
    [{ kind: 'end', text: '   ' }, 400],
    [{ kind: 'message', text: 'x'.repeat(1001) }, 400],
    [{ kind: 'explode', text: 'x' }, 400],
    [{ kind: ['message'], text: 'x' }, 400],
  ] as const)
    assert.equal((await call('POST', path, proctorA.token, body)).status, status, JSON.stringify(body));
  assert.equal((await send('message', 'hi', proctorB.token)).status, 403);
  assert.equal((await send('message', 'hi', studentA.token)).status, 403);
  assert.equal((await call('GET', path, proctorB.token)).status, 403);
  assert.equal((await call('POST', `${path}/${String(shown.id)}/acknowledgement`, studentB.token)).status, 403);
  assert.equal((await call('POST', `${path}/no-such-id/acknowledgement`, studentA.token)).status, 404);
  const otherStream = await fetch(`http://127.0.0.1:${api.port}${path}/stream`, {
    headers: { authorization: `Bearer ${proctorA.token}` },
  });
  assert.equal(otherStream.status, 403, 'the stream is the candidate’s');

  // The end: the session ends at once and in the pipeline (ENDED from now), the candidate is told why.
  const end = await send('end', 'You were seen using a phone.');
  assert.equal(end.status, 201);
  assert.equal((await received(end.body.id as string)).text, 'You were seen using a phone.');
  const session = (await call('GET', `/api/sessions/${sessionId}`, proctorA.token)).body;
  assert.equal(session.status, 'ended');
  const statuses = await api.pipeline.read<SessionStatus>('SESSION_STATUS_TOPIC');
  assert.deepEqual(
    statuses.filter((status) => status.sessionId === sessionId).map(({ status, endedTime }) => [status, endedTime]),
    [['ENDED', Date.parse(session.endedAt as string)]],
  );
  assert.equal((await send('message', 'too late')).status, 409);

  // A client that connects again is sent them all again, in order, with what was acknowledged.
  const again = await eventStream(api, studentA.token, `${path}/stream`);
  t.after(() => again.close());
  await again.until(({ type, data }) => type === 'intervention' && data.id === end.body.id);
  assert.deepEqual(
    again.events
      .filter(({ type }) => type === 'intervention')
      .map(({ data }) => [data.kind, data.acknowledgedAt !== null]),
    [
      ['message', true],
      ['pause', false],
      ['resume', false],
      ['end', false],
    ],
  );
  const listed = (await call('GET', path, proctorA.token)).body.interventions as Record<string, unknown>[];
  assert.deepEqual(
    listed.map(({ kind, sentBy }) => [kind, sentBy]),
    ['message', 'pause', 'resume', 'end'].map((kind) => [kind, proctorA.id]),
  );
  const audited = await call('GET', `/api/audit?entityType=session&entityId=${sessionId}`, adminToken);
  assert.deepEqual(
    (audited.body.entries as { action: string; actorId: string; after: { kind?: string } }[])
      .filter(({ action }) => action === 'session.intervention')
      .map(({ actorId, after }) => [actorId, after.kind])
      .reverse(),
    ['message', 'pause', 'resume', 'end'].map((kind) => [proctorA.id, kind]),
  );

  // The candidate's export lists them; erasing the candidate erases them.
  const exported = async () =>
    (await call('GET', `/api/users/${studentA.id}/export`, adminToken)).body.interventions as Record<string, unknown>[];
  assert.deepEqual(
    (await exported()).map(({ kind, text }) => [kind, text]),
    [
      ['message', 'Please turn your camera towards your desk.'],
      ['pause', 'Your proctor needs to check your room.'],
      ['resume', ''],
      ['end', 'You were seen using a phone.'],
    ],
  );
  assert.equal((await call('DELETE', `/api/users/${studentA.id}/data`, adminToken)).status, 200);
  assert.deepEqual(await exported(), []);
  assert.equal((await call('GET', path, proctorA.token)).status, 404);
});
