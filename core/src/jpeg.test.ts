import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import test from 'node:test';
import fc from 'fast-check';
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

test('random and mutated bytes only ever give a size or null', () => {
  const jpeg = readFileSync(repoPath(`models/fixtures/${fixtures[0]}`)).subarray(0, 4096);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 256 }),
        fc
          .tuple(fc.nat(jpeg.length), fc.uint8Array({ minLength: 1, maxLength: 8 }))
          .map(([at, bytes]) =>
            Buffer.concat([jpeg.subarray(0, at), bytes, jpeg.subarray(at), Buffer.from([0xff, 0xd9])]),
          ),
      ),
      (bytes) => {
        const size = jpegDimensions(bytes);
        assert.ok(size === null || (Number.isInteger(size.width) && Number.isInteger(size.height)));
      },
    ),
    { numRuns: 5000 },
  );
});
