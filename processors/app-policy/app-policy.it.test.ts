import assert from 'node:assert/strict';
import test from 'node:test';
import type { DetectorScore, ExamPolicy, ProcessSnapshot, RunningProcess } from '@proctoflex/core';
import {
  killStage,
  spawnStage,
  testKafka,
  TestPipeline,
  uniqueName,
  waitForGroupCaughtUp,
  waitUntil,
} from '@proctoflex/core/testing';
import { SessionRecords } from '@proctoflex/ingest';
import { misbehaving, scriptedSession, sceneFrames, soundChunks } from '@proctoflex/ingest/sim';

const kafka = testKafka();
const examSeconds = 50;
const signalOf = (score: DetectorScore, name: string) => score.signals.find((signal) => signal.name === name)!;

function examPolicy(examId: string, version: number, allowed: Pick<ExamPolicy, 'allowedApps' | 'allowedDomains'>) {
  const now = Date.now();
  const policy: ExamPolicy = {
    examId,
    version,
    updatedTime: now,
    title: 'Linear algebra',
    startTime: now - 3_600_000,
    endTime: now + 3_600_000,
    durationMinutes: 90,
    surveillanceLevel: 'STANDARD',
    ruleOverrides: [],
    deleted: false,
    ...allowed,
  };
  return policy;
}

async function startStage(t: test.TestContext, pipeline: TestPipeline) {
  const stageName = uniqueName('it-app-policy');
  const stage = spawnStage('app-policy', { ...pipeline.topics, STAGE_NAME: stageName });
  t.after(() => killStage(stage));
  await stage.started;
  return `proctoflex.${stageName}`;
}

const byExam = (value: unknown) => (value as ExamPolicy).examId;

test('a scripted forbidden app and site are flagged while they run, never for an honest candidate; 10,000 processes are scored', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.app-policy');
  t.after(() => pipeline.remove());
  const media = { frames: await sceneFrames(), sounds: soundChunks() };
  const examId = uniqueName('exam');
  await pipeline.produce(
    'POLICIES_TOPIC',
    [examPolicy(examId, 1, { allowedApps: [], allowedDomains: ['proctoflex.dev'] })],
    byExam,
  );
  const startTime = Date.now() - examSeconds * 1000;
  const honest = { sessionId: uniqueName('session'), examId, candidateId: 'honest' };
  const cheat = { sessionId: uniqueName('session'), examId, candidateId: 'cheat' };
  await pipeline.produceSession(scriptedSession(honest, 'honest', media, examSeconds, startTime));
  await pipeline.produceSession(scriptedSession(cheat, 'forbidden-app', media, examSeconds, startTime));
  const crowded = new SessionRecords({ sessionId: uniqueName('session'), examId, candidateId: 'crowded' });
  const processes: RunningProcess[] = Array.from({ length: 10_000 }, (_, pid) => ({
    pid,
    name: pid === 7_777 ? 'AnyDesk' : `worker-${pid}`,
    executablePath: `/usr/lib/workers/worker-${pid}`,
  }));
  const huge = crowded.processes(processes, ['exam.proctoflex.dev']).record;
  await pipeline.produce('PROCESS_TOPIC', [huge]);

  const group = await startStage(t, pipeline);
  await waitForGroupCaughtUp(kafka, group, pipeline.topics.PROCESS_TOPIC);
  const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
  const snapshots = await pipeline.read<ProcessSnapshot>('PROCESS_TOPIC');
  assert.equal(scores.length, snapshots.length, 'every snapshot is scored');

  const flagged = (sessionId: string, signal: string) =>
    scores.filter((score) => score.sessionId === sessionId && signalOf(score, signal).score >= 0.5);
  assert.deepEqual(flagged(honest.sessionId, 'forbidden_app'), []);
  assert.deepEqual(flagged(honest.sessionId, 'forbidden_domain'), []);
  const inWindow = (score: DetectorScore) => misbehaving('forbidden-app', (score.captureTime - startTime) / 1000);
  const cheatScores = scores.filter((score) => score.sessionId === cheat.sessionId);
  for (const [signal, label] of [
    ['forbidden_app', 'discord'],
    ['forbidden_domain', 'chatgpt.com'],
  ] as const) {
    const seen = flagged(cheat.sessionId, signal);
    assert.deepEqual(seen, cheatScores.filter(inWindow), `${signal} exactly while misbehaving`);
    assert.ok(seen.length >= 3 && seen.every((score) => signalOf(score, signal).labels.includes(label)), signal);
  }

  const crowdedScore = scores.find((score) => score.sessionId === huge.sessionId)!;
  assert.deepEqual(signalOf(crowdedScore, 'remote_access').labels, ['anydesk']);
  assert.equal(signalOf(crowdedScore, 'forbidden_app').measurements.processCount, 10_000);
});

test("a policy published while a session runs changes that session's verdicts", async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.app-policy.change');
  t.after(() => pipeline.remove());
  const examId = uniqueName('exam');
  await pipeline.produce('POLICIES_TOPIC', [examPolicy(examId, 1, { allowedApps: [], allowedDomains: [] })], byExam);
  const records = new SessionRecords({ sessionId: uniqueName('session'), examId, candidateId: 'candidate' });
  const zoom: RunningProcess[] = [{ pid: 4242, name: 'zoom.us', executablePath: '/Applications/zoom.us.app' }];
  const snapshot = () => records.processes(zoom).record;
  await pipeline.produce('PROCESS_TOPIC', [snapshot()]);
  const group = await startStage(t, pipeline);
  await waitForGroupCaughtUp(kafka, group, pipeline.topics.PROCESS_TOPIC);

  // The proctor allows Zoom; the candidate's client goes on sending snapshots every 200 ms.
  await pipeline.produce(
    'POLICIES_TOPIC',
    [examPolicy(examId, 2, { allowedApps: ['Zoom'], allowedDomains: [] })],
    byExam,
  );
  await waitUntil(
    kafka,
    'a snapshot scored under the new policy',
    async () => {
      await pipeline.produce('PROCESS_TOPIC', [snapshot()]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
      return scores.some((score) => signalOf(score, 'forbidden_app').measurements.policyVersion === 2);
    },
    30_000,
  );
  await waitForGroupCaughtUp(kafka, group, pipeline.topics.PROCESS_TOPIC);

  const verdicts = (await pipeline.read<DetectorScore>('SCORES_TOPIC')).map((score) =>
    signalOf(score, 'forbidden_app'),
  );
  const versions = verdicts.map((verdict) => verdict.measurements.policyVersion!);
  assert.deepEqual(versions, [...versions].sort(), 'once applied, the new policy stays');
  assert.ok(
    verdicts
      .filter((verdict) => verdict.measurements.policyVersion === 1)
      .every((verdict) => verdict.labels[0] === 'zoom' && verdict.score === 1),
  );
  assert.ok(
    verdicts.filter((verdict) => verdict.measurements.policyVersion === 2).every((verdict) => verdict.score === 0),
  );
});
