import assert from 'node:assert/strict';
import test from 'node:test';
import type { ExamPolicy } from '@proctoflex/core';
import type { Face } from '@proctoflex/inference';
import { faceSignals, identitySignal, limitsOf, lookingAwayLimits } from './detect.ts';

function face(score: number, size: number, yaw = 0, pitch = 0): Face {
  const box = { x: 0.1, y: 0.1, width: size, height: size };
  return { box, score, crop: box, landmarkBox: box, landmarks: [], meshScore: 1, pose: { yaw, pitch, roll: 0 } };
}
const scores = (signals: ReturnType<typeof faceSignals>) =>
  Object.fromEntries(signals.map((signal) => [signal.name, signal.score]));
const standard = lookingAwayLimits.STANDARD;

test('no face: no_face, and looking_away is not evaluated', () => {
  assert.deepEqual(scores(faceSignals([], standard)), { no_face: 1, several_faces: 0 });
});

test('several faces score as sure as the second most certain face', () => {
  assert.deepEqual(scores(faceSignals([face(0.9, 0.3), face(0.7, 0.1)], standard)), {
    no_face: 0,
    several_faces: 0.7,
    looking_away: 0,
  });
});

test("looking away is judged on the largest face against the exam's limits: 0.5 at the limit", () => {
  const lookingAway = (yaw: number, pitch: number, policy?: ExamPolicy) =>
    scores(faceSignals([face(0.9, 0.3, yaw, pitch), face(0.9, 0.05, 80, 0)], limitsOf(policy))).looking_away;
  assert.equal(lookingAway(10, 15), 0);
  assert.equal(lookingAway(30, 0), 0.5);
  assert.equal(lookingAway(-40, 0), 1);
  assert.equal(lookingAway(0, -30), 0.5);
  const strict = { surveillanceLevel: 'STRICT', deleted: false } as ExamPolicy;
  assert.equal(lookingAway(20, 0, strict), 0.5);
  assert.equal(lookingAway(20, 0, { ...strict, deleted: true }), 0, 'a deleted policy no longer applies');
});

test('identity mismatch is 0.5 at the threshold and decided well either side of it', () => {
  assert.equal(identitySignal(0.6).score, 0.5);
  assert.ok(identitySignal(0.62).score < 0.15);
  assert.ok(identitySignal(0.575).score > 0.9);
  assert.equal(identitySignal(0.45).measurements.similarity, 0.45);
});
