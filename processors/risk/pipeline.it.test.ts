import assert from 'node:assert/strict';
import test from 'node:test';
import type { AlertEvent } from '@proctoflex/core';
import { examPolicy, testKafka, uniqueName } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { scriptedExam, type Behaviour } from '@proctoflex/ingest/sim';

const kafka = testKafka();

/** The alerts each scripted misbehaviour must raise (it may raise others its scene implies, e.g. no face). */
const expected: Record<Behaviour, string[]> = {
  honest: [],
  'looks-away': ['looking_away'],
  phone: ['phone_visible'],
  'second-person': ['several_faces'],
  talks: ['speech'],
  'forbidden-app': ['forbidden_app', 'forbidden_domain'],
  leaves: ['no_face'],
  impostor: ['identity_mismatch'],
};

test('end to end: the four processors and the risk stage raise each scripted misbehaviour, honest candidates nothing', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.pipeline');
  t.after(() => pipeline.close());
  const examId = uniqueName('exam');
  await pipeline.produce('POLICIES_TOPIC', [examPolicy(examId, { allowedDomains: ['proctoflex.dev'] })], () => examId);
  const behaviours: Behaviour[] = ['honest', 'honest', ...(Object.keys(expected) as Behaviour[]).slice(1)];
  // Two minutes: each misbehaviour twice, 20 s each.
  const { candidates } = await scriptedExam(examId, behaviours, 120);
  for (const { records } of candidates) await pipeline.produceSession(records);

  await pipeline.scoreAll();
  const risk = await pipeline.processAll('risk');
  await pipeline.caughtUp(risk, 'SESSIONS_TOPIC');

  const alerts = await pipeline.read<AlertEvent>('ALERTS_TOPIC');
  for (const { behaviour, claims } of candidates) {
    const opened = new Set(
      alerts
        .filter((alert) => alert.sessionId === claims.sessionId && alert.action === 'OPENED')
        .map(({ rule }) => rule),
    );
    if (behaviour === 'honest') assert.deepEqual([...opened], [], `${claims.candidateId}: false alerts`);
    for (const rule of expected[behaviour])
      assert.ok(opened.has(rule), `${behaviour}: ${rule} (opened: ${[...opened].join(', ')})`);
  }
  const openAtEnd = alerts.filter(
    (alert) =>
      alert.action !== 'CLOSED' &&
      !alerts.some((other) => other.alertId === alert.alertId && other.action === 'CLOSED'),
  );
  assert.deepEqual(openAtEnd, [], 'every alert is closed when its session ends');
});
