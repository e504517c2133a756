import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import test from 'node:test';
import { repoPath } from '@proctoflex/core';
import { sceneFrames } from '@proctoflex/ingest/sim';
import { startApi, startSession, twoExams } from './src/testing.ts';

test('identity before the exam: the selfie is compared with the reference photo by the face models; a mismatch waits for a proctor, who approves or refuses', async (t) => {
  const api = await startApi(t);
  const { call } = api;
  const { adminToken, proctorA, proctorB, studentA, studentB, examA, examB } = await twoExams(api);
  // Real footage: the simulator's presenter (a webcam recording) and another person.
  const scenes = await sceneFrames();
  const [reference, laterFrame] = [scenes.candidate[0]!, scenes.candidate[6]!];
  const impostor = scenes['candidate-alt'][0]!;
  const base64 = (jpeg: Buffer) => jpeg.toString('base64');
  for (const student of [studentA, studentB]) {
    const put = await call('PUT', `/api/users/${student.id}/reference-photo`, adminToken, { jpeg: base64(reference) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  }

  // The same person: verified, and the ingest token is given out.
  const started = await startSession(call, examB, studentB.token);
  assert.equal(started.status, 201);
  assert.deepEqual(
    [started.body.verification, started.body.ingestToken],
    ['required', null],
    'no token before the check',
  );
  const sessionB = started.body.sessionId as string;
  const same = await call('POST', `/api/sessions/${sessionB}/verification`, studentB.token, {
    jpeg: base64(laterFrame),
  });
  assert.equal(same.status, 200, JSON.stringify(same.body));
  assert.equal(same.body.verification, 'verified');
  assert.ok((same.body.similarity as number) >= (same.body.threshold as number));
  const token = await call('POST', `/api/sessions/${sessionB}/token`, studentB.token);
  assert.equal(token.status, 200);
  assert.equal(typeof token.body.ingestToken, 'string');
  assert.equal(
    (await call('POST', `/api/sessions/${sessionB}/verification`, studentB.token, { jpeg: base64(laterFrame) })).status,
    409,
    'verified once',
  );

  // Another person: pending until a proctor of the exam decides.
  const sessionA = (await startSession(call, examA, studentA.token)).body.sessionId as string;
  const verify = (jpeg: Buffer) =>
    call('POST', `/api/sessions/${sessionA}/verification`, studentA.token, { jpeg: base64(jpeg) });
  const noFace = await verify(await readFile(repoPath('models/fixtures/fruits.jpg')));
  assert.deepEqual(
    [noFace.status, noFace.body.error],
    [400, 'the photo must show your face, and only yours: take it again'],
  );
  assert.equal((await verify(Buffer.from('not a jpeg'))).status, 400);
  const other = await verify(impostor);
  assert.equal(other.status, 200, JSON.stringify(other.body));
  assert.equal(other.body.verification, 'pending');
  assert.ok((other.body.similarity as number) < (other.body.threshold as number));
  const heldGrant = await call('POST', `/api/sessions/${sessionA}/token`, studentA.token);
  assert.deepEqual(
    [heldGrant.status, heldGrant.body.ingestToken, heldGrant.body.verification],
    [200, null, 'pending'],
    'held',
  );
  const listed = (await call('GET', `/api/sessions/${sessionA}`, proctorA.token)).body;
  assert.equal(listed.verification, 'pending', "the proctor sees it's waiting");

  const photo = await fetch(`http://127.0.0.1:${api.port}/api/sessions/${sessionA}/verification/photo`, {
    headers: { authorization: `Bearer ${proctorA.token}` },
  });
  assert.equal(photo.status, 200);
  assert.ok(Buffer.from(await photo.arrayBuffer()).equals(impostor), 'the selfie to compare, as taken');
  const decide = (token: string, decision: string) =>
    call('POST', `/api/sessions/${sessionA}/verification/decision`, token, {
      decision,
      comment: 'checked the ID card',
    });
  assert.equal((await decide(proctorB.token, 'approve')).status, 403, "not the proctor's exam");
  assert.equal((await decide(studentA.token, 'approve')).status, 403);
  assert.deepEqual((await decide(proctorA.token, 'approve')).body, { verification: 'approved' });
  assert.equal((await decide(proctorA.token, 'refuse')).status, 409, 'decided once');
  const released = await call('POST', `/api/sessions/${sessionA}/token`, studentA.token);
  assert.equal(typeof released.body.ingestToken, 'string', 'released');

  // Refused: the session ends.
  await call('POST', `/api/sessions/${sessionA}/end`, studentA.token);
  const again = (await startSession(call, examA, studentA.token)).body.sessionId as string;
  await call('POST', `/api/sessions/${again}/verification`, studentA.token, { jpeg: base64(impostor) });
  const refused = await call('POST', `/api/sessions/${again}/verification/decision`, proctorA.token, {
    decision: 'refuse',
  });
  assert.deepEqual(refused.body, { verification: 'refused' });
  const ended = (await call('GET', `/api/sessions/${again}`, studentA.token)).body;
  assert.deepEqual([ended.status, ended.verification], ['ended', 'refused']);
  assert.equal((await call('POST', `/api/sessions/${again}/token`, studentA.token)).status, 409);

  const { entries } = (await call('GET', `/api/audit?entityType=session&entityId=${sessionA}`, adminToken)).body as {
    entries: { action: string; actorId: string; comment: string | null }[];
  };
  assert.deepEqual(
    entries.map(({ action, actorId }) => [action, actorId]),
    [
      ['session.verification_decision', proctorA.id],
      ['session.verification', studentA.id],
      ['session.consent', studentA.id],
    ],
  );

  // The selfies go with an erasure.
  const selfies = async () =>
    (await readdir(api.evidenceDir, { recursive: true })).filter((name) => String(name).includes('verifications'));
  assert.ok((await selfies()).some((name) => String(name).includes(sessionA)));
  assert.equal((await call('DELETE', `/api/users/${studentA.id}/data`, adminToken)).status, 200);
  assert.ok(!(await selfies()).some((name) => String(name).includes(sessionA) || String(name).includes(again)));
});
