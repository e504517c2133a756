import assert from 'node:assert/strict';
import test from 'node:test';
import {
  type DetectorScore,
  type ExamPolicy,
  type ProcessSnapshot,
  type RunningProcess,
  type IngestClaims,
} from '@proctoflex/core';
import { examPolicy, testKafka, uniqueName, waitUntil } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { SessionRecords } from '@proctoflex/ingest';
import { misbehaving, scriptedExam } from '@proctoflex/ingest/sim';

const kafka = testKafka();
const examSeconds = 50;
const signalOf = (score: DetectorScore, name: string) => score.signals.find((signal) => signal.name === name)!;

const byExam = (value: unknown) => (value as ExamPolicy).examId;

test('a scripted forbidden app and site are flagged while they run, never for an honest candidate; 10,000 processes are scored', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.app-policy');
  t.after(() => pipeline.close());
  const examId = uniqueName('exam');
  await pipeline.produce('POLICIES_TOPIC', [examPolicy(examId, { allowedDomains: ['proctoflex.dev'] })], byExam);
  const { startTime, candidates } = await scriptedExam(examId, ['honest', 'forbidden-app'], examSeconds);
  for (const { records } of candidates) await pipeline.produceSession(records);
  const [honest, cheat] = candidates.map(({ claims }) => claims) as [IngestClaims, IngestClaims];
  const crowded = new SessionRecords({ sessionId: uniqueName('session'), examId, candidateId: 'crowded' });
  const processes: RunningProcess[] = Array.from({ length: 10_000 }, (_, pid) => ({
    pid,
    name: pid === 7_777 ? 'AnyDesk' : `worker-${pid}`,
    executablePath: `/usr/lib/workers/worker-${pid}`,
  }));
  const huge = crowded.processes(processes, ['exam.proctoflex.dev']).record;
  await pipeline.produce('PROCESS_TOPIC', [huge]);

  await pipeline.processAll('app-policy');
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
  t.after(() => pipeline.close());
  const examId = uniqueName('exam');
  await pipeline.produce('POLICIES_TOPIC', [examPolicy(examId)], byExam);
  const records = new SessionRecords({ sessionId: uniqueName('session'), examId, candidateId: 'candidate' });
  const zoom: RunningProcess[] = [{ pid: 4242, name: 'zoom.us', executablePath: '/Applications/zoom.us.app' }];
  const snapshot = () => records.processes(zoom).record;
  await pipeline.produce('PROCESS_TOPIC', [snapshot()]);
  const stageName = await pipeline.processAll('app-policy');

  // The proctor allows Zoom; the candidate's client goes on sending snapshots every 200 ms.
  await pipeline.produce('POLICIES_TOPIC', [examPolicy(examId, { version: 2, allowedApps: ['Zoom'] })], byExam);
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
  await pipeline.caughtUp(stageName, 'PROCESS_TOPIC');

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
