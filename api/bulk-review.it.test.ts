import assert from 'node:assert/strict';
import test from 'node:test';
import type { AlertEvent, AlertReview } from '@proctoflex/core';
import { uniqueName } from '@proctoflex/core/testing';
import { startApi, startSession, twoExams } from './src/testing.ts';

test("one decision for every pending alert of a rule in an exam: decided ones keep theirs, other rules and exams untouched, each audited and published; the exam's proctors and admins only", async (t) => {
  const api = await startApi(t);
  const { call, pipeline, database } = api;
  const { adminToken, instructorA, proctorA, proctorB, studentA, studentB, examA, examB } = await twoExams(api);
  const sessionA = (await startSession(call, examA, studentA.token)).body.sessionId as string;
  const sessionB = (await startSession(call, examB, studentB.token)).body.sessionId as string;
  const opened = (sessionId: string, examId: string, candidateId: string, rule: string, minutesAgo: number) =>
    ({
      alertId: uniqueName('alert'),
      sessionId,
      examId,
      candidateId,
      rule,
      action: 'OPENED',
      revision: 0,
      severity: 'MEDIUM',
      description: `${rule} ${minutesAgo} minutes ago`,
      startSeq: minutesAgo,
      startTime: Date.now() - minutesAgo * 60_000,
      eventTime: Date.now() - minutesAgo * 60_000 + 5000,
      endTime: null,
      evidence: [],
      scores: [],
    }) satisfies AlertEvent;
  const speechA = [1, 2, 3, 4].map((minutes) => opened(sessionA, examA, studentA.id, 'speech', minutes));
  const noFaceA = opened(sessionA, examA, studentA.id, 'no_face', 5);
  const speechB = opened(sessionB, examB, studentB.id, 'speech', 6);
  await pipeline.produce('ALERTS_TOPIC', [...speechA, noFaceA, speechB]);
  await pipeline.processAll('alerts-sink', { DATABASE_URL: database.url });
  // One speech alert is already confirmed by a proctor: a bulk decision leaves it alone.
  const kept = speechA[0]!.alertId;
  assert.equal((await call('POST', `/api/alerts/${kept}/review`, proctorA.token, { decision: 'confirm' })).status, 200);

  const bulk = (token: string, body: unknown, examId = examA) =>
    call('POST', `/api/exams/${examId}/alerts/review`, token, body);
  for (const token of [instructorA.token, studentA.token, proctorB.token])
    assert.equal((await bulk(token, { rule: 'speech', decision: 'dismiss' })).status, 403);
  assert.equal((await bulk(proctorA.token, { rule: 'Speech; DROP', decision: 'dismiss' })).status, 400);
  assert.equal((await bulk(proctorA.token, { rule: 'speech', decision: 'forget' })).status, 400);

  const decided = await bulk(proctorA.token, { rule: 'speech', decision: 'dismiss', comment: 'the room was noisy' });
  assert.equal(decided.status, 200);
  const dismissed = speechA.slice(1).map(({ alertId }) => alertId);
  assert.deepEqual([decided.body.decided, [...(decided.body.alertIds as string[])].sort()], [3, [...dismissed].sort()]);
  const statusOf = async (alertId: string, token = adminToken) =>
    (await call('GET', `/api/alerts/${alertId}`, token)).body.reviewStatus;
  assert.equal(await statusOf(kept), 'confirmed', 'a decided alert keeps its decision');
  for (const alertId of dismissed) assert.equal(await statusOf(alertId), 'dismissed');
  assert.equal(await statusOf(noFaceA.alertId), 'pending', 'another rule');
  assert.equal(await statusOf(speechB.alertId), 'pending', 'another exam');

  for (const alertId of dismissed) {
    const { body } = await call('GET', `/api/audit?entityType=alert&entityId=${alertId}`, adminToken);
    assert.deepEqual(
      (body.entries as { action: string; actorId: string; comment: string }[]).map(({ action, actorId, comment }) => [
        action,
        actorId,
        comment,
      ]),
      [['alert.review', proctorA.id, 'the room was noisy']],
    );
  }
  const published = (await pipeline.read<AlertReview>('REVIEWS_TOPIC')).filter(({ alertId }) =>
    dismissed.includes(alertId),
  );
  assert.deepEqual(
    published.map(({ decision, reviewerId, rule }) => [decision, reviewerId, rule]),
    Array(3).fill(['DISMISSED', proctorA.id, 'speech']),
  );
  // Nothing left waiting: a second decision decides nothing.
  assert.deepEqual((await bulk(adminToken, { rule: 'speech', decision: 'confirm' })).body, {
    decided: 0,
    alertIds: [],
  });
});
