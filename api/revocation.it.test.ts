import assert from 'node:assert/strict';
import test from 'node:test';
import { freePort } from '@proctoflex/core/testing';
import { SessionRecords } from '@proctoflex/ingest';
import { IngestClient, IngestClientError } from '@proctoflex/ingest-client';
import { startApi, startApiGateway, startSession, twoExams } from './src/testing.ts';

/** Sends heartbeats of `records` with `grant` until the gateway refuses one; resolves with the refusal's reason. */
async function refusedWithin(grant: { ingestUrl: string; ingestToken: string }, records: SessionRecords) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const client = await IngestClient.connect(grant.ingestUrl, grant.ingestToken);
      await client.post(client.batch([records.event('HEARTBEAT')]));
    } catch (error) {
      if (error instanceof IngestClientError) return error.reason;
      throw error;
    }
    assert.ok(Date.now() < deadline, 'still accepted 10 s after the API revoked the session');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('ending a session, disabling its candidate, taking them off the exam or deleting the exam stops their ingest token within seconds', async (t) => {
  const gatewayPort = await freePort();
  const api = await startApi(t, { API_INGEST_URL: `http://127.0.0.1:${gatewayPort}` });
  const gateway = await startApiGateway(api, gatewayPort);
  t.after(() => gateway.stop());
  const { adminToken, instructorA, examA, examB, studentA, studentB } = await twoExams(api);
  const start = async (examId: string, student: { id: string; token: string }) => {
    const { status, body } = await startSession(api.call, examId, student.token);
    assert.equal(status, 201, JSON.stringify(body));
    const grant = body as { sessionId: string; ingestUrl: string; ingestToken: string };
    return { grant, records: new SessionRecords({ sessionId: grant.sessionId, examId, candidateId: student.id }) };
  };

  // Ended: what was captured before the end still uploads, nothing captured after.
  const ended = await start(examB, studentB);
  const before = Date.now() - 1000;
  assert.equal((await api.call('POST', `/api/sessions/${ended.grant.sessionId}/end`, studentB.token)).status, 200);
  assert.equal(await refusedWithin(ended.grant, ended.records), 'session_ended');
  const client = await IngestClient.connect(ended.grant.ingestUrl, ended.grant.ingestToken);
  const buffered = ended.records.event('HEARTBEAT', before);
  assert.equal((await client.post(client.batch([buffered]))).seq, buffered.record.seq);

  // Disabled: nothing more from any of their sessions.
  const disabled = await start(examB, studentB);
  assert.equal((await api.call('POST', `/api/users/${studentB.id}/disable`, adminToken)).status, 200);
  assert.equal(await refusedWithin(disabled.grant, disabled.records), 'session_revoked');

  // Taken off the exam: their running session in it is revoked.
  const removed = await start(examA, studentA);
  const members = await api.call('PUT', `/api/exams/${examA}/members`, instructorA.token, {
    candidates: [],
    proctors: [],
  });
  assert.equal(members.status, 200);
  assert.equal(await refusedWithin(removed.grant, removed.records), 'session_revoked');

  // The exam deleted: its running sessions are revoked.
  const back = await api.call('PUT', `/api/exams/${examA}/members`, instructorA.token, {
    candidates: [studentA.id],
    proctors: [],
  });
  assert.equal(back.status, 200);
  assert.equal((await api.call('POST', `/api/sessions/${removed.grant.sessionId}/end`, studentA.token)).status, 200);
  const ofDeleted = await start(examA, studentA);
  assert.equal((await api.call('DELETE', `/api/exams/${examA}`, instructorA.token)).status, 204);
  assert.equal(await refusedWithin(ofDeleted.grant, ofDeleted.records), 'session_revoked');
});
