import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import test from 'node:test';
import sharp from 'sharp';
import { jpegDimensions } from './jpeg.ts';
import { repoPath } from './paths.ts';

const fixtures = readdirSync(repoPath('models/fixtures')).filter((file) => file.endsWith('.jpg'));

test('the size in the frame header is the size the image decodes to', async () => {
  assert.ok(fixtures.length > 0);
  for (const file of fixtures) {
    const bytes = readFileSync(repoPath(`models/fixtures/${file}`));
    const { width, height } = await sharp(bytes).metadata();
    assert.deepEqual(jpegDimensions(bytes), { width, height }, file);
    const progressive = await sharp(bytes).jpeg({ progressive: true }).toBuffer();
    assert.deepEqual(jpegDimensions(progressive), { width, height }, `${file}, progressive`);
  }
});

test('bytes that are not a whole JPEG have no size', async () => {
  const jpeg = readFileSync(repoPath(`models/fixtures/${fixtures[0]}`));
  const png = await sharp(jpeg).png().toBuffer();
  for (const [name, bytes] of [
    ['empty', Buffer.alloc(0)],
    ['PNG', png],
    ['cut short', jpeg.subarray(0, jpeg.length - 10)],
    ['only the markers', Buffer.from([0xff, 0xd8, 0xff, 0xd9])],
    ['a segment length running past the end', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0xff, 0xd9])],
    ['a zero segment length', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 0xff, 0xd9])],
  ] as const) {
    assert.equal(jpegDimensions(bytes), null, name);
  }
});
