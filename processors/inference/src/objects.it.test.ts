import assert from 'node:assert/strict';
import test from 'node:test';
import { loadInferenceConfig } from './config.ts';
import { ModelSessions } from './models.ts';
import { detectObjects } from './objects.ts';
import { fixtureImage } from './testing.ts';

const models = new ModelSessions(loadInferenceConfig({}));
test.after(() => models.close());

test('people and the phone on the sofa are found; fruit holds none of the watched objects', async () => {
  const images = await Promise.all(['group-2.jpg', 'messi5.jpg', 'fruits.jpg'].map(fixtureImage));
  const [group, footballer, fruit] = await detectObjects(models, images);
  const labels = (list: typeof group) => new Set(list!.map((object) => object.label));
  assert.deepEqual(labels(group), new Set(['person', 'cell phone']));
  assert.ok(labels(footballer).has('person'));
  assert.deepEqual(fruit, []);
  const phone = group!.find((object) => object.label === 'cell phone')!;
  // The phone lies on the sofa at the bottom left of the frame.
  assert.ok(phone.box.y > 0.8 && phone.box.x < 0.2, JSON.stringify(phone.box));
  for (const object of group!) {
    assert.ok(object.box.width > 0 && object.box.height > 0 && object.score >= 0.25 && object.score <= 1);
  }
});

test('a batch gives the same objects as one frame at a time', async () => {
  const images = await Promise.all(['group-2.jpg', 'group-5.jpg'].map(fixtureImage));
  const together = await detectObjects(models, images);
  for (const [index, image] of images.entries()) {
    const [alone] = await detectObjects(models, [image]);
    assert.deepEqual(
      alone!.map((object) => [object.label, object.score.toFixed(3)]),
      together[index]!.map((object) => [object.label, object.score.toFixed(3)]),
    );
  }
});
