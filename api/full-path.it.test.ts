import assert from 'node:assert/strict';
import test from 'node:test';
import sharp from 'sharp';
import type { RiskUpdate } from '@proctoflex/core';
import { eventually, freePort } from '@proctoflex/core/testing';
import type { ServerSentEvent } from '@proctoflex/core';
import { screenPictures } from '@proctoflex/ingest/sim';
import { liveStream, startApi, startSession, startTestStages, streamScriptedSession, twoExams } from './src/testing.ts';

test('the full path: a student starts a session, the simulator streams with its ingest token, the alert and its evidence reach the API and the live stream, the screen pictures reach its timeline, a proctor confirms it, the audit log has it', async (t) => {
  const gatewayPort = await freePort();
  const api = await startApi(t, { API_INGEST_URL: `http://127.0.0.1:${gatewayPort}` });
  const { call } = api;
  // The stages between the gateway and the API: app policy, risk, alerts, evidence, and face (the live wall's thumbnails).
  const stages = await startTestStages(api, gatewayPort, { face: true });
  t.after(() => stages.stop());
  const { adminToken, examA, studentA, proctorA, proctorB } = await twoExams(api);
  const live = await liveStream(api, proctorA.token);
  t.after(() => live.close());

  const grant = (await startSession(call, examA, studentA.token)).body as {
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

  // Every picture of the screen on the session's timeline, for proctors of the exam only: the
  // chat window while the forbidden app was open (seconds 20 to 40), the exam page otherwise.
  const timeline = await call('GET', `/api/sessions/${grant.sessionId}/timeline`, proctorA.token);
  assert.equal(timeline.status, 200);
  const screens = timeline.body.screens as { seq: number; time: number; width: number; height: number; url: string }[];
  assert.equal(screens.length, 4, 'a picture every 10 s of 45 s');
  const startTime = screens[0]!.time - 10_000;
  const pictures = await screenPictures();
  for (const screen of screens) {
    const response = await fetch(`http://127.0.0.1:${api.port}${screen.url}`, {
      headers: { authorization: `Bearer ${proctorA.token}` },
    });
    assert.deepEqual([response.status, response.headers.get('content-type')], [200, 'image/jpeg']);
    assert.match(response.headers.get('cache-control') ?? '', /no-store/);
    const jpeg = Buffer.from(await response.arrayBuffer());
    const second = (screen.time - startTime) / 1000;
    const view = second >= 20 && second < 40 ? 'other-app' : 'exam';
    assert.ok(
      pictures[view].some((picture) => picture.equals(jpeg)),
      `second ${second}: the ${view} picture the client sent`,
    );
    assert.deepEqual([screen.width, screen.height], [1280, 720]);
  }
  const screenUrl = screens[0]!.url;
  assert.equal((await call('GET', screenUrl, proctorB.token)).status, 403);
  assert.equal((await call('GET', screenUrl, studentA.token)).status, 403);
  assert.equal((await call('GET', `/api/sessions/${grant.sessionId}/timeline`, proctorB.token)).status, 403);
  const seq0 = screens[0]!.seq;
  for (const seq of ['999999', '-1', `${seq0}e0`, `${seq0}.0`, `%20${seq0}`, 'x'.repeat(300)])
    assert.equal((await call('GET', `/api/sessions/${grant.sessionId}/screens/${seq}`, proctorA.token)).status, 404);

  // The live wall: the session's newest webcam thumbnail, written by the face stage, for the exam's proctors only.
  const wall = `/api/exams/${examA}/thumbnails`;
  const { now, tile } = await eventually(
    'a thumbnail of the session on the wall',
    async () => {
      const { body } = await call('GET', wall, proctorA.token);
      const found = (body.thumbnails as Record<string, unknown>[]).find(
        ({ sessionId }) => sessionId === grant.sessionId,
      );
      return found && { now: body.now as number, tile: found };
    },
    60_000,
  );
  const { width, height, format } = await sharp(Buffer.from(tile.jpeg as string, 'base64')).metadata();
  assert.deepEqual([width, height, format], [tile.width, tile.height, 'jpeg']);
  assert.ok(width <= 160 && height <= 160, `${width}x${height}`);
  assert.ok(Number(tile.captureTime) > Date.now() - 120_000, 'a frame of the last minutes');
  const later = await call('GET', `${wall}?since=${now + 60_000}`, proctorA.token);
  assert.deepEqual(later.body.thumbnails, [], 'none received after `since`');
  assert.equal((await call('GET', wall, proctorB.token)).status, 403);
  assert.equal((await call('GET', wall, studentA.token)).status, 403);
  for (const since of ['abc', '-1', '1e400', 'x'.repeat(5000)])
    assert.equal((await call('GET', `${wall}?since=${since}`, proctorA.token)).status, 400, since);

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
