import sharp from 'sharp';
import type { Box } from './geometry.ts';

/** A decoded frame: RGB bytes, row by row. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Buffer;
}

export async function decodeJpeg(jpeg: Buffer): Promise<DecodedImage> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: data };
}

/**
 * The region `box` (normalised; the whole image by default) resized to size x size, as float
 * RGB values `pixel * scale + offset`, written into `target` at `offset` floats.
 */
export async function resizeInto(
  image: DecodedImage,
  size: number,
  target: Float32Array,
  targetOffset: number,
  normalise: { scale: number; offset: number },
  box?: Box,
): Promise<void> {
  let pipeline = sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (box) {
    const left = Math.round(box.x * image.width);
    const top = Math.round(box.y * image.height);
    // Regions reaching past the frame are padded with black, as a square crop near an edge must be.
    const width = Math.max(1, Math.round(box.width * image.width));
    const height = Math.max(1, Math.round(box.height * image.height));
    pipeline = sharp(
      await pipeline
        .extend({
          top: Math.max(0, -top),
          left: Math.max(0, -left),
          bottom: Math.max(0, top + height - image.height),
          right: Math.max(0, left + width - image.width),
          background: { r: 0, g: 0, b: 0 },
        })
        .raw()
        .toBuffer(),
      {
        raw: {
          width: image.width + Math.max(0, -left) + Math.max(0, left + width - image.width),
          height: image.height + Math.max(0, -top) + Math.max(0, top + height - image.height),
          channels: 3,
        },
      },
    ).extract({ left: Math.max(0, left), top: Math.max(0, top), width, height });
  }
  const pixels = await pipeline.resize(size, size, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  for (let index = 0; index < pixels.length; index += 1) {
    target[targetOffset + index] = pixels[index]! * normalise.scale + normalise.offset;
  }
}
