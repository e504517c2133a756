import assert from 'node:assert/strict';
import test from 'node:test';
import type { SessionStatus } from '@proctoflex/core';
import { IngestClient, IngestClientError, openStream } from '@proctoflex/ingest-client';
import { SessionRecords } from './records.ts';
import { newSessionClaims, refusalOf, startTestGateway } from './testing.ts';

const gatewayStarted = startTestGateway();
test.after(async () => (await gatewayStarted).stop());

/** Tries `attempt` until it is refused (the gateway follows the status table within a fetch). */
async function eventuallyRefused(attempt: () => Promise<unknown>): Promise<IngestClientError> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await attempt();
    } catch (error) {
      if (error instanceof IngestClientError) return error;
      throw error;
    }
    if (Date.now() > deadline) assert.fail('still accepted 10 s after the status was published');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('an ended session takes only what was captured before its end', async () => {
  const { baseUrl, token, pipeline } = await gatewayStarted;
  const claims = newSessionClaims();
  const client = await IngestClient.connect(baseUrl, token(claims));
  const records = new SessionRecords(claims);
  const endedTime = Date.now() - 60_000;
  await client.post(client.batch([records.event('STARTED', endedTime - 60_000)]));
  await pipeline.produce('SESSION_STATUS_TOPIC', [{ sessionId: claims.sessionId, status: 'ENDED', endedTime }]);

  const late = await eventuallyRefused(() => client.post(client.batch([records.event('HEARTBEAT')])));
  assert.deepEqual([late.status, late.reason, late.retriable], [403, 'session_ended', false]);
  // Buffered while offline, captured before the end: still uploaded.
  const buffered = records.event('HEARTBEAT', endedTime - 1000);
  assert.equal((await client.post(client.batch([buffered]))).seq, buffered.record.seq);
});

test('a revoked or erased session: its token is refused and its open stream closed within seconds', async () => {
  const { baseUrl, token, pipeline } = await gatewayStarted;
  for (const status of ['REVOKED', 'ERASED'] as const) {
    const claims = newSessionClaims();
    const client = await IngestClient.connect(baseUrl, token(claims));
    const records = new SessionRecords(claims);
    const stream = await client.stream();
    await stream.send(client.batch([records.event('STARTED')]));
    const revokedAt = Date.now();
    const value: SessionStatus = { sessionId: claims.sessionId, status, endedTime: revokedAt };
    await pipeline.produce('SESSION_STATUS_TOPIC', [value]);

    const refused = await eventuallyRefused(() => client.post(client.batch([records.event('HEARTBEAT')])));
    assert.deepEqual([refused.status, refused.reason], [403, 'session_revoked'], status);
    const connect = await refusalOf(openStream(baseUrl, token(claims)));
    assert.deepEqual([connect.status, connect.reason], [403, 'session_revoked'], `${status}: a new stream`);
    while (!stream.closed) {
      assert.ok(Date.now() - revokedAt < 10_000, `${status}: the open stream is closed within seconds`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(stream.closed.code, 1008, status);
  }
});
