import assert from 'node:assert/strict';
import test from 'node:test';
import { loadInferenceConfig } from './config.ts';
import { defaultFaceOptions, detectFaces } from './faces.ts';
import { iou, type Box } from './geometry.ts';
import { ModelSessions } from './models.ts';
import { defaultObjectOptions, detectObjects, watchedClasses } from './objects.ts';
import { createReference } from './reference.ts';
import { fixtureImage } from './testing.ts';
import { square } from './image.ts';

// Our pre- and post-processing (resize, anchors, NMS, crops, pose, YOLO heads' decode) against
// @vladmandic/human and the original YOLOv5s running the same models on TF.js, on the same photos.
const models = new ModelSessions(loadInferenceConfig({}));
test.after(() => models.close());
const fixtures = ['messi5.jpg', 'fruits.jpg', ...[1, 2, 3, 4, 5, 6].map((n) => `group-${n}.jpg`)];
/** Detections this far above the threshold must be found by both; nearer, rounding decides. */
const margin = 0.1;
const asBox = ([x, y, width, height]: [number, number, number, number]): Box => ({ x, y, width, height });
// human runs BlazeFace back-camera: our long-range detector.
const faceOptions = { ...defaultFaceOptions, range: 'long' } as const;
const referenceLoaded = createReference(faceOptions);

test('faces, boxes and head pose agree with @vladmandic/human on TF.js', { timeout: 300_000 }, async () => {
  const reference = await referenceLoaded;
  for (const name of fixtures) {
    const image = await fixtureImage(name);
    const expected = (await reference.detect(image)).faces;
    const [actual] = await detectFaces(models, [image], faceOptions);
    for (const face of actual!.filter((candidate) => candidate.score >= faceOptions.minConfidence + margin)) {
      // human reports the landmark crop as the face box.
      const match = expected.find((other) => iou(asBox(other.box), face.crop) >= 0.7);
      assert.ok(match, `${name}: our face at ${JSON.stringify(face.crop)} is not in the reference`);
      for (const angle of ['yaw', 'pitch', 'roll'] as const) {
        assert.ok(
          Math.abs(face.pose[angle] - match[angle]) <= 6,
          `${name}: ${angle} ${face.pose[angle]} vs ${match[angle]}`,
        );
      }
    }
    for (const face of expected.filter((candidate) => candidate.score >= faceOptions.minConfidence + margin)) {
      assert.ok(
        actual!.some((ours) => iou(asBox(face.box), ours.crop) >= 0.7),
        `${name}: reference face at ${JSON.stringify(face.box)} was missed`,
      );
    }
  }
});

test('watched objects agree with the original YOLOv5s on TF.js', { timeout: 300_000 }, async () => {
  const reference = await referenceLoaded;
  const watched = new Set<string>(Object.values(watchedClasses));
  const threshold = defaultObjectOptions.minConfidence + margin;
  // Crowds too: people at many sizes exercise every head and anchor.
  for (const name of [...fixtures, 'card-game.jpg', 'three-colleagues.jpg', 'human-samples.jpg']) {
    const image = await fixtureImage(name);
    const expected = (await reference.detect(image)).objects.filter((object) => watched.has(object.label));
    // The original runs at 640x640 only; ours at any multiple of 32, here the same.
    const [actual] = await detectObjects(models, [image], defaultObjectOptions, square(640));
    const confident = (objects: { label: string; score: number }[]) =>
      new Set(objects.filter((object) => object.score >= threshold).map((object) => object.label));
    assert.deepEqual(confident(actual!), confident(expected), name);
    for (const object of expected.filter((candidate) => candidate.score >= threshold)) {
      const match = actual!.find((ours) => ours.label === object.label && iou(ours.box, asBox(object.box)) >= 0.9);
      assert.ok(match, `${name}: reference ${object.label} at ${JSON.stringify(object.box)} has no matching box`);
      assert.ok(
        Math.abs(match.score - object.score) <= 0.01,
        `${name}: ${object.label} ${match.score} vs ${object.score}`,
      );
    }
  }
});
