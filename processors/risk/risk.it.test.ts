import assert from 'node:assert/strict';
import test from 'node:test';
import { detectorScore, signal, type AlertEvent, type RiskUpdate, type SessionEvent } from '@proctoflex/core';
import {
  committedOffsetTotal,
  examPolicy,
  killStage,
  testKafka,
  uniqueName,
  waitUntil,
} from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';

const kafka = testKafka();
const t0 = Date.now() - 3_600_000;

function faceScores(sessionId: string, examId: string, noFace: (second: number) => boolean, seconds: number) {
  const input = (second: number) => ({
    sessionId,
    examId,
    candidateId: `candidate-of-${sessionId}`,
    seq: second,
    captureTime: t0 + second * 1000,
  });
  return Array.from({ length: seconds }, (_, second) =>
    detectorScore(input(second), 'proctor.frames.v1', 'FACE', 'test', [signal('no_face', noFace(second) ? 1 : 0)]),
  );
}

function ended(sessionId: string, examId: string, second: number): SessionEvent {
  return {
    sessionId,
    examId,
    candidateId: `candidate-of-${sessionId}`,
    seq: 100_000,
    captureTime: t0 + second * 1000,
    type: 'ENDED',
    clientVersion: null,
    detail: null,
  };
}

const byExam = (value: unknown) => (value as { examId: string }).examId;
const summary = (alerts: AlertEvent[]) =>
  alerts.map((alert) => `${alert.rule} ${alert.action} ${(alert.eventTime - t0) / 1000}s ${alert.severity}`);

test("scripted scores give exactly the expected alerts under each exam's level; an ended session closes its alerts", async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.risk');
  t.after(() => pipeline.close());
  const standard = uniqueName('exam');
  const strict = uniqueName('exam');
  await pipeline.produce(
    'POLICIES_TOPIC',
    [examPolicy(standard), examPolicy(strict, { surveillanceLevel: 'STRICT' })],
    byExam,
  );
  const sessions = {
    nine: uniqueName('s'),
    eleven: uniqueName('s'),
    strictSix: uniqueName('s'),
    open: uniqueName('s'),
  };
  await pipeline.produce('SCORES_TOPIC', [
    // 9 s and 11 s without a face at STANDARD (10 s), 6 s at STRICT (5 s), then faces again.
    ...faceScores(sessions.nine, standard, (second) => second < 9, 30),
    ...faceScores(sessions.eleven, standard, (second) => second < 11, 30),
    ...faceScores(sessions.strictSix, strict, (second) => second < 6, 30),
    // No face until the session ends at 40 s.
    ...faceScores(sessions.open, standard, () => true, 40),
  ]);
  const stageName = await pipeline.processAll('risk');
  // The end comes after the scores here; ended first, the same alerts open and close, with fewer updates.
  await pipeline.produce('SESSIONS_TOPIC', [ended(sessions.open, standard, 40)]);
  await pipeline.caughtUp(stageName, 'SESSIONS_TOPIC');

  const alerts = await pipeline.read<AlertEvent>('ALERTS_TOPIC');
  const of = (sessionId: string) => summary(alerts.filter((alert) => alert.sessionId === sessionId));
  assert.deepEqual(of(sessions.nine), []);
  assert.deepEqual(of(sessions.eleven), ['no_face OPENED 10s HIGH', 'no_face CLOSED 15s HIGH']);
  assert.deepEqual(of(sessions.strictSix), ['no_face OPENED 5s HIGH', 'no_face CLOSED 10s HIGH']);
  assert.deepEqual(of(sessions.open), [
    'no_face OPENED 10s HIGH',
    'no_face UPDATED 20s HIGH',
    'no_face UPDATED 30s HIGH',
    'no_face CLOSED 40s HIGH',
  ]);
  const closed = alerts.find((alert) => alert.sessionId === sessions.open && alert.action === 'CLOSED')!;
  assert.equal(closed.description, 'No face visible for 40 s, until the session ended');

  const risks = await pipeline.read<RiskUpdate>('RISK_TOPIC');
  const elevenRisk = risks.filter((risk) => risk.sessionId === sessions.eleven);
  assert.equal(Math.max(...elevenRisk.map((risk) => risk.riskScore)), 30);
  assert.equal(risks.filter((risk) => risk.sessionId === sessions.nine && risk.riskScore > 0).length, 0);
});

test('killed mid-way, replayed, or uploaded late: the same alerts with the same ids, none twice', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.risk.replay', 6);
  t.after(() => pipeline.close());
  const examId = uniqueName('exam');
  // 300 sessions, each without a face for 12 s of every 30 s for 3 minutes: 6 alerts each.
  const sessionIds = Array.from({ length: 300 }, () => uniqueName('s'));
  const scores = sessionIds.flatMap((sessionId) => faceScores(sessionId, examId, (second) => second % 30 < 12, 180));
  await pipeline.produce('SCORES_TOPIC', scores);

  const stageName = uniqueName('it-risk-kill');
  // Small fetches make small transactions, so that the kill finds work done and work to do.
  const first = pipeline.spawnStage('risk', { STAGE_INSTANCE_ID: 'one', STAGE_FETCH_MAX_BYTES: '32768' }, stageName);
  await first.process.started;
  await waitUntil(
    kafka,
    'a tenth of the scores processed',
    async (admin) =>
      (await committedOffsetTotal(admin, `proctoflex.${stageName}`, pipeline.topics.SCORES_TOPIC)) >=
      scores.length / 10,
  );
  await killStage(first.process);
  const beforeKill = (await pipeline.read('ALERTS_TOPIC')).length;
  // Restarted under the same id, it fences the dead one's open transaction and goes on from the commit.
  pipeline.spawnStage('risk', { STAGE_INSTANCE_ID: 'one' }, stageName);
  await pipeline.caughtUp(stageName, 'SCORES_TOPIC');
  const afterKill = await pipeline.read<AlertEvent>('ALERTS_TOPIC');

  // The same input again, by a fresh group into fresh topics.
  const replayed = await TestPipeline.create(kafka, 'it.risk.replayed', 6);
  t.after(() => replayed.close());
  await replayed.produce('SCORES_TOPIC', scores);
  const replayStage = await replayed.processAll('risk');
  const again = await replayed.read<AlertEvent>('ALERTS_TOPIC');

  const events = (alerts: AlertEvent[]) => alerts.map((alert) => `${alert.alertId}/${alert.revision}/${alert.action}`);
  assert.ok(beforeKill < afterKill.length, 'the kill came mid-way');
  assert.equal(new Set(events(afterKill)).size, afterKill.length, 'no alert event twice');
  assert.equal(afterKill.filter((alert) => alert.action === 'OPENED').length, sessionIds.length * 6);
  assert.deepEqual(new Set(events(again)), new Set(events(afterKill)), 'a replay gives the same ids and events');

  // One session's second half uploaded a minute after the rest was scored: the same alerts.
  const late = uniqueName('s');
  const lateScores = faceScores(late, examId, (second) => second % 30 < 12, 180);
  await replayed.produce('SCORES_TOPIC', lateScores.slice(0, 90));
  await replayed.caughtUp(replayStage, 'SCORES_TOPIC');
  await replayed.produce('SCORES_TOPIC', lateScores.slice(90));
  await replayed.caughtUp(replayStage, 'SCORES_TOPIC');
  const onTime = (await replayed.read<AlertEvent>('ALERTS_TOPIC')).filter((alert) => alert.sessionId === sessionIds[0]);
  const uploadedLate = (await replayed.read<AlertEvent>('ALERTS_TOPIC')).filter((alert) => alert.sessionId === late);
  assert.deepEqual(summary(uploadedLate), summary(onTime));
});

test('a client that goes silent gets a client_disconnected alert while it is silent, closed when it is back', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.risk.silence');
  t.after(() => pipeline.close());
  const examId = uniqueName('exam');
  const quiet = uniqueName('s');
  const chatty = uniqueName('s');
  const event = (sessionId: string, seq: number, type: SessionEvent['type'] = 'HEARTBEAT'): SessionEvent => ({
    ...ended(sessionId, examId, 0),
    seq,
    captureTime: Date.now(),
    type,
  });
  await pipeline.produce('SESSIONS_TOPIC', [event(quiet, 0, 'STARTED'), event(chatty, 0, 'STARTED')]);
  const stageName = await pipeline.processAll('risk', { RISK_HEARTBEAT_TIMEOUT_MS: '3000' });
  const alertsOf = async (sessionId: string) =>
    summary((await pipeline.read<AlertEvent>('ALERTS_TOPIC')).filter((alert) => alert.sessionId === sessionId));

  // The chatty client keeps sending heartbeats; the quiet one sends nothing more.
  let seq = 1;
  await waitUntil(kafka, 'the quiet client to be found disconnected', async () => {
    await pipeline.produce('SESSIONS_TOPIC', [event(chatty, seq++)]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return (await alertsOf(quiet)).length > 0;
  });
  assert.match((await alertsOf(quiet))[0]!, /^client_disconnected OPENED .* MEDIUM$/);
  await pipeline.produce('SESSIONS_TOPIC', [event(quiet, 1)]);
  await pipeline.caughtUp(stageName, 'SESSIONS_TOPIC');
  await waitUntil(kafka, 'the disconnection to close', async () => (await alertsOf(quiet)).length === 2);
  assert.match((await alertsOf(quiet))[1]!, /^client_disconnected CLOSED /);
  assert.deepEqual(await alertsOf(chatty), [], 'a client that keeps talking is never disconnected');
});
