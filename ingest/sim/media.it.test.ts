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

test('every frame of every scene shows what it claims to the face and object models', async () => {
  const frames = await sceneFrames();
  for (const [name, jpegs] of Object.entries(frames)) {
    const images = await Promise.all(jpegs.map((jpeg) => decodeJpeg(jpeg)));
    const faces = await detectFaces(models, images);
    const objects = await detectObjects(models, images);
    images.forEach((_, index) => {
      const where = `${name}, frame ${index}`;
      const labels = objects[index]!.map((object) => object.label);
      if (name === 'candidate' || name === 'candidate-alt') {
        assert.equal(faces[index]!.length, 1, where);
        assert.ok(Math.abs(faces[index]![0]!.pose.yaw) < 20, `${where}: faces the camera`);
        assert.ok(!labels.includes('cell phone'), where);
      }
      if (name === 'empty') assert.equal(faces[index]!.length, 0, where);
      if (name === 'two-people') assert.equal(faces[index]!.length, 2, where);
      if (name === 'looking-away') {
        assert.ok(
          faces[index]!.every((face) => Math.abs(face.pose.yaw) >= 30),
          `${where}: no face turned to the camera`,
        );
        assert.ok(labels.includes('person'), `${where}: yet someone is there`);
      }
      if (name === 'phone') assert.ok(labels.includes('cell phone'), where);
    });
  }
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
