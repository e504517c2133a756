import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import sharp from 'sharp';
import { repoPath } from '@proctoflex/core';
import { decodeJpeg, describeFaces, loadInferenceConfig, ModelSessions, similarity } from '@proctoflex/inference';
import { findFaces } from './detect.ts';

const portraits = ['franck_01829.jpg', 'obama.jpg', 'audrey.jpg', 'cage.jpg', 'SeanConnery.jpg'];

test('a camera on its side or upside down: the same one face, pose and identity as upright', async (t) => {
  const models = new ModelSessions(loadInferenceConfig());
  t.after(() => models.close());
  for (const file of portraits) {
    const jpeg = readFileSync(repoPath(`models/fixtures/identity/${file}`));
    const frames = await Promise.all(
      [0, 90, 180, 270].map(async (degrees) => decodeJpeg(await sharp(jpeg).rotate(degrees).jpeg().toBuffer())),
    );
    const found = await findFaces(models, frames);
    const descriptors = await describeFaces(
      models,
      found.map(({ upright }) => upright),
    );
    const [upright] = found;
    found.forEach(({ faces, quarterTurns }, turnsAway) => {
      const where = `${file} turned ${turnsAway * 90}°`;
      assert.equal(faces.length, 1, where);
      assert.equal((quarterTurns + turnsAway) % 4, 0, `${where}: turned back upright`);
      assert.ok(Math.abs(faces[0]!.pose.yaw - upright!.faces[0]!.pose.yaw) < 5, `${where}: yaw`);
      assert.ok(Math.abs(faces[0]!.pose.pitch - upright!.faces[0]!.pose.pitch) < 5, `${where}: pitch`);
      assert.ok(similarity(descriptors[0]!, descriptors[turnsAway]!) > 0.95, `${where}: identity`);
    });
  }
});

test('a frame without a face stays without one whichever way it is read', async (t) => {
  const models = new ModelSessions(loadInferenceConfig());
  t.after(() => models.close());
  const fruit = await decodeJpeg(readFileSync(repoPath('models/fixtures/fruits.jpg')));
  const [found] = await findFaces(models, [fruit]);
  assert.deepEqual(found!.faces, []);
});
