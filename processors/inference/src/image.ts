import sharp, { type Sharp } from 'sharp';
import type { Box } from './geometry.ts';

/**
 * A decoded frame as the models read it: `width` x `height` pixels, which are the frame as
 * captured turned clockwise by `quarterTurns` (a webcam on its side). Turning is done by libvips
 * as it reads a region for a model, never by copying the whole frame.
 */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** RGB bytes of the frame as captured, row by row. */
  readonly rgb: Buffer;
  /** Clockwise quarter turns from the frame as captured to this reading of it; absent: none. */
  readonly quarterTurns?: number;
}

export async function decodeJpeg(jpeg: Buffer): Promise<DecodedImage> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: data };
}

/** The image turned clockwise by `quarterTurns` more quarter turns (a webcam mounted sideways or upside down). */
export function rotateImage(image: DecodedImage, quarterTurns: number): DecodedImage {
  const sideways = Math.abs(quarterTurns) % 2 === 1;
  return {
    width: sideways ? image.height : image.width,
    height: sideways ? image.width : image.height,
    rgb: image.rgb,
    quarterTurns: ((((image.quarterTurns ?? 0) + quarterTurns) % 4) + 4) % 4,
  };
}

/** A libvips pipeline reading the image as the models see it: the frame as captured, turned. */
function read(image: DecodedImage): Sharp {
  const turns = image.quarterTurns ?? 0;
  const sideways = turns % 2 === 1;
  const raw = {
    width: sideways ? image.height : image.width,
    height: sideways ? image.width : image.height,
    channels: 3 as const,
  };
  const pipeline = sharp(image.rgb, { raw });
  return turns === 0 ? pipeline : pipeline.rotate(turns * 90);
}

/** A model's input in pixels. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export const square = (side: number): ImageSize => ({ width: side, height: side });

/**
 * The region `box` (normalised; the whole image by default) resized to `size`, as float
 * RGB values `pixel * scale + offset`, written into `target` at `offset` floats.
 */
export async function resizeInto(
  image: DecodedImage,
  size: ImageSize,
  target: Float32Array,
  targetOffset: number,
  normalise: { scale: number; offset: number },
  box?: Box,
): Promise<void> {
  let pipeline = read(image);
  if (box) {
    const left = Math.round(box.x * image.width);
    const top = Math.round(box.y * image.height);
    const width = Math.max(1, Math.round(box.width * image.width));
    const height = Math.max(1, Math.round(box.height * image.height));
    const padding = {
      left: Math.max(0, -left),
      top: Math.max(0, -top),
      right: Math.max(0, left + width - image.width),
      bottom: Math.max(0, top + height - image.height),
    };
    if (Object.values(padding).some((pixels) => pixels > 0)) {
      // A square crop near an edge reaches past the frame: pad with black, as the models were trained.
      const padded = await pipeline
        .extend({ ...padding, background: { r: 0, g: 0, b: 0 } })
        .raw()
        .toBuffer();
      pipeline = sharp(padded, {
        raw: {
          width: image.width + padding.left + padding.right,
          height: image.height + padding.top + padding.bottom,
          channels: 3,
        },
      });
    }
    pipeline = pipeline.extract({ left: left + padding.left, top: top + padding.top, width, height });
  }
  const pixels = await pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  normaliseInto(pixels, target, targetOffset, normalise.scale, normalise.offset);
}

/**
 * A plain function, not the async one's tail: V8 runs this loop after an await about 2.5x slower
 * (8 ns a value against 3: 6 % of the face stage's CPU under load).
 */
function normaliseInto(pixels: Buffer, target: Float32Array, targetOffset: number, scale: number, offset: number) {
  for (let index = 0; index < pixels.length; index += 1) target[targetOffset + index] = pixels[index]! * scale + offset;
}
