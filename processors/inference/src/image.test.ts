import assert from 'node:assert/strict';
import test from 'node:test';
import sharp from 'sharp';
import { resizeInto, rotateImage, type DecodedImage } from './image.ts';

/** A 5x3 image whose every pixel differs: r = 10x + y, g = 100 + y, b = 200 + x. */
const width = 5;
const height = 3;
const rgb = Buffer.alloc(width * height * 3);
for (let y = 0; y < height; y += 1)
  for (let x = 0; x < width; x += 1) rgb.set([10 * x + y, 100 + y, 200 + x], (y * width + x) * 3);
const image: DecodedImage = { width, height, rgb };
const asIs = { scale: 1, offset: 0 };

const read = async (
  source: DecodedImage,
  size = { width: source.width, height: source.height },
  box?: Parameters<typeof resizeInto>[5],
) => {
  const target = new Float32Array(size.width * size.height * 3);
  await resizeInto(source, size, target, 0, asIs, box);
  return [...target];
};

test('read at its own size, an image is itself; turned, it is what sharp makes of it turned', async () => {
  assert.deepEqual(await read(image), [...rgb]);
  for (const turns of [1, 2, 3]) {
    const turned = rotateImage(image, turns);
    const expected = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .rotate(turns * 90)
      .raw()
      .toBuffer();
    assert.deepEqual(await read(turned), [...expected], `${turns} quarter turns`);
  }
  // Turns add up: three quarters then one more is upright again.
  assert.deepEqual(await read(rotateImage(rotateImage(image, 3), 1)), [...rgb]);
});

test('a crop reaching past the frame reads black there; normalising maps every value', async () => {
  // The 2x2 square whose top-left pixel is the image's (0, 0): one pixel left of and above the frame.
  const box = { x: -1 / width, y: -1 / height, width: 2 / width, height: 2 / height };
  assert.deepEqual(await read(image, { width: 2, height: 2 }, box), [0, 0, 0, 0, 0, 0, 0, 0, 0, ...rgb.subarray(0, 3)]);
  const target = new Float32Array(3);
  await resizeInto(
    image,
    { width: 1, height: 1 },
    target,
    0,
    { scale: 2, offset: -1 },
    { x: 0, y: 0, width: 1 / width, height: 1 / height },
  );
  assert.deepEqual([...target], [-1, 199, 399]);
});
