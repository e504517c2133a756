import sharp from 'sharp';
import type { Box } from './geometry.ts';

/**
 * A decoded frame as the models read it: `width` x `height` pixels, which are the frame as
 * captured turned clockwise by `quarterTurns` (a webcam on its side). Turning only changes how
 * `rgb` is read, never copies it.
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
  const turns = ((((image.quarterTurns ?? 0) + quarterTurns) % 4) + 4) % 4;
  const sideways = ((quarterTurns % 2) + 2) % 2 === 1;
  return {
    width: sideways ? image.height : image.width,
    height: sideways ? image.width : image.height,
    rgb: image.rgb,
    quarterTurns: turns,
  };
}

/** A model's input in pixels. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export const square = (side: number): ImageSize => ({ width: side, height: side });

/** A frame as captured, or a level of its pyramid: RGB bytes, row by row. */
interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly rgb: Buffer | Uint8Array;
}

/** Each frame's pyramid: level n is the frame halved n times (2x2 means), made when first needed. */
const pyramids = new WeakMap<Buffer, Pixels[]>();

function halved({ width, height, rgb }: Pixels): Pixels {
  const half = { width: width >> 1, height: height >> 1 };
  const out = new Uint8Array(half.width * half.height * 3);
  for (let y = 0; y < half.height; y += 1) {
    for (let x = 0; x < half.width; x += 1) {
      const topLeft = (2 * y * width + 2 * x) * 3;
      const bottomLeft = topLeft + width * 3;
      const target = (y * half.width + x) * 3;
      for (let channel = 0; channel < 3; channel += 1) {
        const sum =
          rgb[topLeft + channel]! +
          rgb[topLeft + 3 + channel]! +
          rgb[bottomLeft + channel]! +
          rgb[bottomLeft + 3 + channel]!;
        out[target + channel] = (sum + 2) >> 2;
      }
    }
  }
  return { ...half, rgb: out };
}

/** The frame as captured, halved `level` times (made once per frame, when first read). */
function levelOf(image: DecodedImage, level: number): Pixels {
  const sideways = (image.quarterTurns ?? 0) % 2 === 1;
  const captured = {
    width: sideways ? image.height : image.width,
    height: sideways ? image.width : image.height,
    rgb: image.rgb,
  };
  if (level === 0) return captured;
  let levels = pyramids.get(image.rgb);
  if (!levels) {
    levels = [captured];
    pyramids.set(image.rgb, levels);
  }
  while (levels.length <= level) levels.push(halved(levels.at(-1)!));
  return levels[level]!;
}

/**
 * Where pixel (x, y) of `pixels` turned clockwise by `turns` lies: pixel index
 * `origin + x * stepX + y * stepY` of `pixels`.
 */
function layoutOf({ width, height }: Pixels, turns: number) {
  if (turns === 1) return { origin: (height - 1) * width, stepX: -width, stepY: 1 };
  if (turns === 2) return { origin: height * width - 1, stepX: -1, stepY: -width };
  if (turns === 3) return { origin: width - 1, stepX: width, stepY: -1 };
  return { origin: 0, stepX: 1, stepY: width };
}

/**
 * Source positions of `count` output pixels spread over [start, start + length) of an axis of
 * `size` pixels (half-pixel centres): the lower neighbour, the weight of the upper one, and whether the sample lies off
 * the image (read as black: a square crop near an edge reaches past the frame, padded as the
 * models were trained).
 */
function samplesAlong(start: number, length: number, count: number, size: number) {
  const lower = new Int32Array(count);
  const upperWeight = new Float32Array(count);
  const outside = new Uint8Array(count);
  for (let index = 0; index < count; index += 1) {
    const centre = start + ((index + 0.5) * length) / count - 0.5;
    outside[index] = centre < -0.5 || centre > size - 0.5 ? 1 : 0;
    const clamped = Math.min(size - 1, Math.max(0, centre));
    const floor = Math.min(size - 2, Math.floor(clamped));
    lower[index] = Math.max(0, floor);
    upperWeight[index] = size === 1 ? 0 : clamped - Math.max(0, floor);
  }
  return { lower, upperWeight, outside };
}

/**
 * The region `box` (normalised; the whole image by default) resized bilinearly to `size`, as float
 * RGB values `pixel * scale + offset`, written into `target` at `offset` floats. Sampled straight
 * from the decoded frame (or a level of its pyramid): no copy of it, turned or cropped, is made.
 */
export function resizeInto(
  image: DecodedImage,
  size: ImageSize,
  target: Float32Array,
  targetOffset: number,
  normalise: { scale: number; offset: number },
  box: Box = { x: 0, y: 0, width: 1, height: 1 },
): void {
  const shrink = Math.min((box.width * image.width) / size.width, (box.height * image.height) / size.height);
  const maxLevel = Math.floor(Math.log2(Math.max(1, Math.min(image.width, image.height) / 2)));
  // Up to a 2.8x shrink (a webcam frame read by a detector) straight from the frame, bilinear, as
  // MediaPipe and Human read these models' inputs; beyond (a 1920 px photo read at 256, whose
  // faces bilinear sampling alone loses to aliasing) from a halved copy.
  const level = Math.min(maxLevel, Math.max(0, Math.floor(Math.log2(shrink) - 1.5)));
  const pixels = levelOf(image, level);
  const { origin, stepX, stepY } = layoutOf(pixels, image.quarterTurns ?? 0);
  const sideways = (image.quarterTurns ?? 0) % 2 === 1;
  const width = sideways ? pixels.height : pixels.width;
  const height = sideways ? pixels.width : pixels.height;
  // Pixel edges scale with the level: x in the image is x * width / image.width in the level.
  const columns = samplesAlong(box.x * width, box.width * width, size.width, width);
  const rows = samplesAlong(box.y * height, box.height * height, size.height, height);
  const { rgb } = pixels;
  const { scale, offset } = normalise;
  const nextX = width > 1 ? stepX : 0;
  const nextY = height > 1 ? stepY : 0;
  let out = targetOffset;
  for (let row = 0; row < size.height; row += 1) {
    const top = origin + rows.lower[row]! * stepY;
    const down = rows.upperWeight[row]!;
    for (let column = 0; column < size.width; column += 1) {
      if (rows.outside[row] || columns.outside[column]) {
        target[out] = offset;
        target[out + 1] = offset;
        target[out + 2] = offset;
        out += 3;
        continue;
      }
      const topLeft = (top + columns.lower[column]! * stepX) * 3;
      const topRight = topLeft + nextX * 3;
      const bottomLeft = topLeft + nextY * 3;
      const bottomRight = bottomLeft + nextX * 3;
      const right = columns.upperWeight[column]!;
      for (let channel = 0; channel < 3; channel += 1) {
        const upper = rgb[topLeft + channel]! + (rgb[topRight + channel]! - rgb[topLeft + channel]!) * right;
        const lower = rgb[bottomLeft + channel]! + (rgb[bottomRight + channel]! - rgb[bottomLeft + channel]!) * right;
        target[out + channel] = (upper + (lower - upper) * down) * scale + offset;
      }
      out += 3;
    }
  }
}
