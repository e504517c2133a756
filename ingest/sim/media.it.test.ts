import assert from 'node:assert/strict';
import test from 'node:test';
import {
  ModelSessions,
  decodeJpeg,
  detectFaces,
  detectObjects,
  loadInferenceConfig,
  voiceActivity,
  newVoiceStream,
} from '@proctoflex/inference';
import { sceneFrames, soundChunks } from './media.ts';

// The simulator's ground truth: each scripted scene shows, to the real models, what its name says.
const models = new ModelSessions(loadInferenceConfig({}));
test.after(() => models.close());

test('every scene shows what it claims to the face and object models', async () => {
  const frames = await sceneFrames();
  const names = Object.keys(frames) as (keyof typeof frames)[];
  const images = await Promise.all(names.map((name) => decodeJpeg(frames[name])));
  const faces = await detectFaces(models, images);
  const objects = await detectObjects(models, images);
  const seen = Object.fromEntries(
    names.map((name, index) => [name, { faces: faces[index]!, labels: objects[index]!.map((object) => object.label) }]),
  );
  for (const name of ['candidate', 'candidate-alt'] as const) {
    assert.equal(seen[name]!.faces.length, 1, name);
    assert.ok(Math.abs(seen[name]!.faces[0]!.pose.yaw) < 20, `${name} faces the camera`);
    assert.ok(!seen[name]!.labels.includes('cell phone'), name);
  }
  assert.equal(seen.empty!.faces.length, 0);
  assert.equal(seen['two-people']!.faces.length, 2);
  assert.ok(
    seen['looking-away']!.faces.every((face) => Math.abs(face.pose.yaw) >= 30),
    'no face turned to the camera',
  );
  assert.ok(seen['looking-away']!.labels.includes('person'), 'yet someone is there');
  assert.ok(seen.phone!.labels.includes('cell phone'));
});

test('speech chunks are heard as speech, quiet ones are not', async () => {
  const { speech, quiet } = soundChunks();
  const results = await voiceActivity(
    models,
    [...speech.slice(0, 4), ...quiet].map((pcm) => ({ stream: newVoiceStream(), pcm })),
  );
  const speaking = results.map((result) => result.speechSeconds > 0.3);
  assert.deepEqual(speaking, [...speech.slice(0, 4).map(() => true), ...quiet.map(() => false)]);
});
