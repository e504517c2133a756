import assert from 'node:assert/strict';
import test from 'node:test';
import { startApi, startSession, twoExams } from './src/testing.ts';

interface Notice {
  version: string;
  recorded: string[];
  kept: string;
  seenBy: string;
}

test('no session without consent: the candidate agrees to the notice in force, and the agreement is audited with its time', async (t) => {
  const api = await startApi(t);
  const { call } = api;
  const { adminToken, instructorA, studentA, studentB, examA } = await twoExams(api);
  const sessions = async () =>
    ((await call('GET', `/api/exams/${examA}/sessions`, studentA.token)).body.sessions as unknown[]).length;

  const strict = (await call('GET', `/api/exams/${examA}/notice`, studentA.token)).body as unknown as Notice;
  assert.match(strict.version, /^[0-9a-f]{16}$/);
  assert.ok(
    strict.recorded.some((item) => item.startsWith('Camera: a picture every 1 s')),
    strict.recorded.join('; '),
  );
  assert.ok(strict.recorded.some((item) => item.startsWith('Microphone')));
  assert.match(strict.kept, /pictures and sound: 24 hours.*90 days after the exam ends/);
  assert.match(strict.seenBy, /proctors and instructor/);
  assert.equal((await call('GET', `/api/exams/${examA}/notice`, studentB.token)).status, 403, 'not their exam');

  const post = (body?: unknown) => call('POST', `/api/exams/${examA}/sessions`, studentA.token, body);
  assert.equal((await post()).status, 400, 'no agreement');
  assert.equal((await post({ noticeVersion: 'x'.repeat(65) })).status, 400, 'bounded');
  assert.equal((await post({ noticeVersion: '0123456789abcdef' })).status, 409, 'not the notice in force');

  // The exam's level and retention change: so do the notice and its version, and the old agreement no longer counts.
  const exam = (await call('GET', `/api/exams/${examA}`, instructorA.token)).body;
  const changed = await call('PUT', `/api/exams/${examA}`, instructorA.token, {
    title: exam.title,
    startsAt: exam.startsAt,
    endsAt: exam.endsAt,
    durationMinutes: exam.durationMinutes,
    surveillanceLevel: 'LOW',
    retentionDays: 30,
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const low = (await call('GET', `/api/exams/${examA}/notice`, studentA.token)).body as unknown as Notice;
  assert.notEqual(low.version, strict.version);
  assert.ok(low.recorded.some((item) => item.startsWith('Camera: a picture every 5 s')));
  assert.match(low.kept, /30 days after the exam ends/);
  assert.equal((await post({ noticeVersion: strict.version })).status, 409);
  assert.equal(await sessions(), 0, 'no session without an agreement to the notice in force');

  const before = Date.now();
  const started = await post({ noticeVersion: low.version });
  const after = Date.now();
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const sessionId = started.body.sessionId as string;
  const { body } = await call('GET', `/api/audit?entityType=session&entityId=${sessionId}`, adminToken);
  const entries = body.entries as { actorId: string; action: string; at: string; after: { notice: Notice } }[];
  assert.equal(entries.length, 1);
  assert.equal(entries[0]!.action, 'session.consent');
  assert.equal(entries[0]!.actorId, studentA.id);
  assert.deepEqual(entries[0]!.after.notice, low, 'the notice agreed to, word for word');
  const at = Date.parse(entries[0]!.at);
  // The database's clock and this one may differ by a little.
  assert.ok(at >= before - 1000 && at <= after + 1000, `agreed at ${entries[0]!.at}`);

  const exported = (await call('GET', `/api/users/${studentA.id}/export`, adminToken)).body;
  assert.deepEqual(
    (exported.consents as { session_id: string; notice: Notice }[]).map(({ session_id, notice }) => [
      session_id,
      notice,
    ]),
    [[sessionId, low]],
    "the candidate's data export lists the agreement",
  );

  // A second start (the app restarted) is refused as the active session it is; the helper agrees as the desktop does.
  assert.equal((await startSession(call, examA, studentA.token)).status, 409);
  assert.equal(await sessions(), 1);
});
