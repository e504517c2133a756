import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { repoPath } from '@proctoflex/core';
import { loadInferenceConfig } from './config.ts';
import { embedFaces, identityThreshold, similarity } from './embedding.ts';
import { defaultFaceOptions, detectFaces } from './faces.ts';
import { ModelSessions } from './models.ts';
import { fixtureImage } from './testing.ts';

const models = new ModelSessions(loadInferenceConfig({}));
test.after(() => models.close());
const people = JSON.parse(readFileSync(repoPath('models/fixtures/identity/people.json'), 'utf8')) as Record<
  string,
  string
>;

test('the same person scores above the identity threshold, two different people below', async () => {
  const files = Object.keys(people);
  const images = await Promise.all(files.map((file) => fixtureImage(`identity/${file}`)));
  // The threshold was calibrated on the long-range detector's faces (see the manifest).
  const faces = await detectFaces(models, images, { ...defaultFaceOptions, range: 'long' });
  faces.forEach((list, index) => assert.equal(list.length, 1, `${files[index]} shows one face`));
  const descriptors = await embedFaces(
    models,
    faces.map((list, index) => ({ image: images[index]!, crop: list[0]!.landmarkBox })),
  );
  const same: string[] = [];
  const different: string[] = [];
  for (let a = 0; a < files.length; a += 1) {
    for (let b = a + 1; b < files.length; b += 1) {
      const score = similarity(descriptors[a]!, descriptors[b]!);
      const pair = `${files[a]} ~ ${files[b]}: ${score.toFixed(3)}`;
      if (people[files[a]!] === people[files[b]!]) {
        same.push(pair);
        assert.ok(score >= identityThreshold, `same person below the threshold ${identityThreshold}: ${pair}`);
      } else {
        different.push(pair);
        assert.ok(score < identityThreshold, `different people above the threshold ${identityThreshold}: ${pair}`);
      }
    }
  }
  assert.ok(same.length >= 10 && different.length >= 10, `${same.length} same, ${different.length} different pairs`);
});
