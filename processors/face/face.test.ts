import assert from 'node:assert/strict';
import test from 'node:test';
import type { ExamPolicy } from '@proctoflex/core';
import type { Face } from '@proctoflex/inference';
import { faceSignals, identitySignal, limitsOf, lookingAwayLimits } from './detect.ts';

function face(score: number, size: number, yaw = 0, pitch = 0): Face {
  const box = { x: 0.1, y: 0.1, width: size, height: size };
  return { box, score, crop: box, landmarkBox: box, landmarks: [], meshScore: 1, pose: { yaw, pitch, roll: 0 } };
}
const frame = { width: 640, height: 480, rgb: Buffer.alloc(0) };
/** Faces as findFaces reports them for a frame from an upright camera. */
const upright = (...faces: Face[]) => ({ faces, upright: frame, quarterTurns: 0 });
const scores = (signals: ReturnType<typeof faceSignals>) =>
  Object.fromEntries(signals.map((signal) => [signal.name, signal.score]));
const standard = lookingAwayLimits.STANDARD;

test('no face: no_face, and looking_away is not evaluated', () => {
  assert.deepEqual(scores(faceSignals(upright(), standard)), { no_face: 1, several_faces: 0 });
});

test('several faces score as sure as the second most certain face', () => {
  assert.deepEqual(scores(faceSignals(upright(face(0.9, 0.3), face(0.7, 0.1)), standard)), {
    no_face: 0,
    several_faces: 0.7,
    looking_away: 0,
  });
});

test("looking away is judged on the largest face against the exam's limits: 0.5 at the limit", () => {
  const lookingAway = (yaw: number, pitch: number, policy?: ExamPolicy) =>
    scores(faceSignals(upright(face(0.9, 0.3, yaw, pitch), face(0.9, 0.05, 80, 0)), limitsOf(policy))).looking_away;
  assert.equal(lookingAway(10, 15), 0);
  assert.equal(lookingAway(30, 0), 0.5);
  assert.equal(lookingAway(-40, 0), 1);
  assert.equal(lookingAway(0, -30), 0.5);
  const strict = { surveillanceLevel: 'STRICT', deleted: false } as ExamPolicy;
  assert.equal(lookingAway(20, 0, strict), 0.5);
  assert.equal(lookingAway(20, 0, { ...strict, deleted: true }), 0, 'a deleted policy no longer applies');
});

test('on a camera turned a quarter clockwise, boxes are given in the frame as captured', () => {
  const [, several] = faceSignals({ ...upright(face(0.9, 0.3)), quarterTurns: 1 }, standard);
  assert.equal(several!.measurements.cameraRotationDegrees, 90);
  const box = several!.boxes[0]!;
  // Upright (0.1, 0.1)-(0.4, 0.4) is (0.1, 0.6)-(0.4, 0.9) in the frame turned back a quarter.
  assert.deepEqual(
    [box.x, box.y, box.width, box.height].map((value) => value.toFixed(2)),
    ['0.10', '0.60', '0.30', '0.30'],
  );
});

test('identity mismatch is 0.5 at the threshold and decided well either side of it', () => {
  assert.equal(identitySignal(0.6).score, 0.5);
  assert.ok(identitySignal(0.62).score < 0.15);
  assert.ok(identitySignal(0.575).score > 0.9);
  assert.equal(identitySignal(0.45).measurements.similarity, 0.45);
});
