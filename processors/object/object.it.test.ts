import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { ruleDefaults, type DeadLetter, type DetectorScore, type FrameCaptured } from '@proctoflex/core';
import { testKafka, uniqueName } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { SessionRecords } from '@proctoflex/ingest';
import { misbehaving, scriptedExam, type Behaviour } from '@proctoflex/ingest/sim';

const kafka = testKafka();
const examSeconds = 50;
const scoreOf = (score: DetectorScore, signal: string) => score.signals.find(({ name }) => name === signal)!.score;
/** A signal is seen where its rule would count it. */
const thresholdOf = (signal: string) => ruleDefaults.find((rule) => rule.signal === signal)!.threshold;

test('phones and second people are seen while the script shows them, every 2nd frame, and never for an honest candidate', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.object');
  t.after(() => pipeline.close());
  const expected: Partial<Record<Behaviour, string>> = {
    honest: undefined,
    phone: 'phone_visible',
    'second-person': 'another_person',
  };
  const { startTime, candidates } = await scriptedExam(
    'exam-object',
    Object.keys(expected) as Behaviour[],
    examSeconds,
  );
  for (const { records } of candidates) await pipeline.produceSession(records);
  // The first frame of a session is always scored: this one cannot be.
  const corruptClaims = { sessionId: uniqueName('session'), examId: 'exam-object', candidateId: 'corrupt' };
  const corrupt = new SessionRecords(corruptClaims).frame(randomBytes(500), { width: 640, height: 480 }).record;
  await pipeline.produce('FRAMES_TOPIC', [corrupt]);

  await pipeline.processAll('object', { OBJECT_EVERY_NTH_FRAME: '2' });

  const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
  const frames = await pipeline.read<FrameCaptured>('FRAMES_TOPIC');
  const signals = ['phone_visible', 'book_visible', 'laptop_visible', 'another_person'];
  for (const { behaviour, claims } of candidates) {
    const webcamFrames = frames.filter(
      (frame) => frame.sessionId === claims.sessionId && frame.source === 'WEBCAM' && !frame.enrolment,
    );
    const own = scores.filter((score) => score.sessionId === claims.sessionId);
    assert.equal(own.length, Math.ceil(webcamFrames.length / 2), behaviour);
    const inWindow = (score: DetectorScore) => misbehaving(behaviour, (score.captureTime - startTime) / 1000);
    for (const signal of signals) {
      const seen = own.filter((score) => scoreOf(score, signal) >= thresholdOf(signal));
      if (signal === expected[behaviour]) {
        const inside = own.filter(inWindow);
        assert.ok(inside.length >= 3, `${behaviour}: frames scored in its window`);
        assert.ok(
          inside.every((score) => scoreOf(score, signal) >= thresholdOf(signal)),
          `${behaviour}: ${signal} in its window`,
        );
        assert.ok(seen.every(inWindow), `${behaviour}: ${signal} only while misbehaving`);
      } else {
        assert.deepEqual(
          seen.map((score) => score.sourceSeq),
          [],
          `${behaviour}: no ${signal}`,
        );
      }
    }
  }
  const deadLetters = await pipeline.read<DeadLetter>('DLQ_TOPIC');
  assert.deepEqual(
    deadLetters.map((letter) => letter.errorType),
    ['InvalidRecordError'],
  );
});
