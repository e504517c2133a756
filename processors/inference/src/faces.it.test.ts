import assert from 'node:assert/strict';
import test from 'node:test';
import sharp from 'sharp';
import { decodeJpeg } from './image.ts';
import { defaultFaceOptions, detectFaces } from './faces.ts';
import { iou } from './geometry.ts';
import { loadInferenceConfig } from './config.ts';
import { ModelSessions } from './models.ts';
import { fixtureImage } from './testing.ts';
import { embedFaces, similarity } from './embedding.ts';

const models = new ModelSessions(loadInferenceConfig({}));
test.after(() => models.close());
/** Group photos: faces further away need the long-range detector. */
const longRange = { ...defaultFaceOptions, range: 'long' } as const;

test('faces are counted in real photos: one, none, and groups of 3 to 5, in one batch', async () => {
  const names = ['messi5.jpg', 'fruits.jpg', ...[1, 2, 3, 4, 5, 6].map((n) => `group-${n}.jpg`)];
  const images = await Promise.all(names.map(fixtureImage));
  const faces = await detectFaces(models, images, longRange);
  assert.deepEqual(
    faces.map((list) => list.length),
    [1, 0, 3, 3, 3, 4, 5, 4],
  );
  for (const face of faces.flat()) {
    assert.equal(face.landmarks.length, 468);
    if (Math.abs(face.pose.yaw) < 30) assert.ok(face.meshScore > 0.5, 'the landmark model agrees there is a face');
    const [noseX, noseY] = face.landmarks[1]!;
    assert.ok(noseX > face.box.x && noseX < face.box.x + face.box.width, 'the nose lies in the face box');
    assert.ok(noseY > face.box.y && noseY < face.box.y + face.box.height, 'the nose lies in the face box');
  }
});

test('a batch gives the same faces as one frame at a time', async () => {
  const images = await Promise.all(['group-5.jpg', 'messi5.jpg', 'group-1.jpg'].map(fixtureImage));
  const together = await detectFaces(models, images, longRange);
  for (const [index, image] of images.entries()) {
    const [alone] = await detectFaces(models, [image], longRange);
    assert.equal(alone!.length, together[index]!.length);
    alone!.forEach((face, faceIndex) => assert.ok(iou(face.box, together[index]![faceIndex]!.box) > 0.99));
  }
});

test('head pose follows the head: a mirrored face turns the other way, a rotated frame rolls', async () => {
  const jpeg = await sharp((await fixtureImage('group-3.jpg')).rgb, { raw: { width: 1920, height: 1350, channels: 3 } })
    .jpeg()
    .toBuffer();
  const [original, mirrored, rotated] = await Promise.all([
    decodeJpeg(jpeg),
    decodeJpeg(await sharp(jpeg).flop().toBuffer()),
    decodeJpeg(await sharp(jpeg).rotate(12, { background: '#000' }).toBuffer()),
  ]);
  const [faces, mirroredFaces, rotatedFaces] = await detectFaces(models, [original, mirrored, rotated], longRange);
  const byPosition = (list: typeof faces) => [...list!].sort((a, b) => a.box.x - b.box.x);
  const left = byPosition(faces)[0]!.pose;
  const mirroredLeft = byPosition(mirroredFaces).at(-1)!.pose;
  assert.ok(Math.abs(left.yaw + mirroredLeft.yaw) < 4, `yaw ${left.yaw} mirrors to ${mirroredLeft.yaw}`);
  assert.ok(Math.abs(left.pitch - mirroredLeft.pitch) < 4, `pitch ${left.pitch} stays ${mirroredLeft.pitch}`);
  assert.ok(Math.abs(left.roll + mirroredLeft.roll) < 4, `roll ${left.roll} mirrors to ${mirroredLeft.roll}`);
  const rolls = byPosition(faces).map((face) => face.pose.roll);
  const rotatedRolls = byPosition(rotatedFaces).map((face) => face.pose.roll);
  assert.equal(rotatedRolls.length, rolls.length);
  rolls.forEach((roll, index) => {
    const change = rotatedRolls[index]! - roll;
    assert.ok(Math.abs(Math.abs(change) - 12) < 5, `roll changed by ${change} for a 12° rotation`);
  });
});

test('embeddings are unit vectors; a face re-photographed is closer to itself than to anyone else', async () => {
  const image = await fixtureImage('group-6.jpg');
  const smaller = await decodeJpeg(
    await sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(1280)
      .jpeg({ quality: 60 })
      .toBuffer(),
  );
  const [faces, smallerFaces] = await detectFaces(models, [image, smaller], longRange);
  const descriptors = await embedFaces(
    models,
    faces!.map((face) => ({ image, crop: face.landmarkBox })),
  );
  const again = await embedFaces(
    models,
    smallerFaces!.map((face) => ({ image: smaller, crop: face.landmarkBox })),
  );
  for (const descriptor of [...descriptors, ...again]) assert.ok(Math.abs(Math.hypot(...descriptor) - 1) < 1e-4);
  descriptors.forEach((descriptor, index) => {
    const same = similarity(descriptor, again[index]!);
    const others = again.filter((_, other) => other !== index).map((other) => similarity(descriptor, other));
    assert.ok(same > Math.max(...others), `face ${index}: itself ${same}, others ${others.join(', ')}`);
  });
});

test('the short-range (webcam) detector finds the faces of portraits and webcam frames as the long-range one does', async () => {
  // Not messi5.jpg: its faces are ~45 px wide, out of the short-range detector's reach.
  const portraits = ['fruits.jpg', 'obama.jpg', 'biden.jpg', 'walter2_crop.jpg', 'franck_01829.jpg'].map((name) =>
    name === 'fruits.jpg' ? name : `identity/${name}`,
  );
  const images = await Promise.all(portraits.map(fixtureImage));
  const group = await fixtureImage('group-6.jpg');
  const webcam = await decodeJpeg(
    await sharp(group.rgb, { raw: { width: group.width, height: group.height, channels: 3 } })
      .extract({ left: 880, top: 230, width: 560, height: 420 })
      .resize(640, 480)
      .jpeg({ quality: 80 })
      .toBuffer(),
  );
  images.push(webcam);
  const short = await detectFaces(models, images);
  const long = await detectFaces(models, images, longRange);
  assert.deepEqual(
    short.map((list) => list.length),
    [0, 1, 1, 1, 1, 1],
  );
  short.forEach((faces, index) => {
    faces.forEach((face, faceIndex) => {
      const other = long[index]![faceIndex]!;
      // Both read the same landmark model; from slightly different crops the mesh moves a little.
      assert.ok(iou(face.landmarkBox, other.landmarkBox) > 0.8, `${portraits[index] ?? 'webcam'}: landmark boxes`);
      for (const angle of ['yaw', 'pitch', 'roll'] as const) {
        assert.ok(
          Math.abs(face.pose[angle] - other.pose[angle]) <= 7,
          `${angle} ${face.pose[angle]} vs ${other.pose[angle]}`,
        );
      }
    });
  });
});
