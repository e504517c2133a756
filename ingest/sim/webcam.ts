import { spawn } from 'node:child_process';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { repoPath } from '@proctoflex/core';

/**
 * What a webcam delivers, made from real recordings and photos (models/fixtures, provenance in its
 * README): a person who moves, in light that drifts, through a sensor that adds noise and an
 * encoder that compresses, with props and other people composited in where the script says.
 */

export const frameSize = { width: 640, height: 480 };

export interface Region {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Someone in front of the camera: real recordings played back and forth, or a real photo moved as a head moves. */
export type Footage =
  | { readonly recordings: readonly string[] }
  | {
      readonly photo: string;
      readonly region: Region;
      /**
       * The person stands among others in the photo: their head and shoulders are cut out as an
       * oval and put into this room (its footage once its own person has left).
       */
      readonly intoRoom?: Footage;
    };

/** A real photo of an object (with the hand holding it, where there is one), cut out of a fixture. */
export interface Prop {
  readonly file: string;
  readonly region: Region;
  /** The photo is a cut-out on black (book covers): black is the background, not the object. */
  readonly onBlack?: boolean;
}

/** Where something is put into the frame: its centre (fractions of the frame), size and tilt. */
export interface Placement {
  readonly x: number;
  readonly y: number;
  /** Its longer side, as a fraction of the frame's height. */
  readonly size: number;
  readonly degrees: number;
}

/** How the camera renders a frame: lighting, colour, sensor noise, motion blur, compression, mounting. */
export interface Look {
  /** Brightness factor: 1 as recorded. */
  readonly brightness: number;
  /** Colour balance, a factor per channel (R, G, B). */
  readonly tint: readonly [number, number, number];
  /** Sensor noise: standard deviation in 0-255 levels. */
  readonly noise: number;
  /** Horizontal motion blur: length in pixels (0: none). */
  readonly blur: number;
  readonly jpegQuality: number;
  /** The camera is mounted turned clockwise by this many quarter turns (a sideways laptop screen). */
  readonly quarterTurns: number;
  /** The person's position: 0 in view, 1 out of the frame to the right (leaving), in between on the way. */
  readonly leaving: number;
}

/** A person cut out of a crowded photo stands in the middle of their room, filling its height. */
const alonePlacement: Placement = { x: 0.5, y: 0.56, size: 1.05, degrees: 0 };

export const plainLook: Look = {
  brightness: 1,
  tint: [1, 1, 1],
  noise: 0,
  blur: 0,
  jpegQuality: 80,
  quarterTurns: 0,
  leaving: 0,
};

interface Raw {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

const rawOf = (raw: Raw) => sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });

async function toRaw(image: Sharp): Promise<Raw> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Recordings are read at this rate: fine enough for a frame every 2 s taken at any offset. */
const recordingFps = 5;

/** A recording's frames, 640x480 JPEGs, decoded by ffmpeg (as the evidence sink uses it). */
function readRecording(file: string): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', [
      ...['-v', 'error', '-i', repoPath(`models/fixtures/${file}`)],
      ...['-vf', `fps=${recordingFps},scale=${frameSize.width}:${frameSize.height}`],
      ...['-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '2', '-'],
    ]);
    const chunks: Buffer[] = [];
    let stderr = '';
    ffmpeg.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    ffmpeg.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    ffmpeg.on('error', reject);
    ffmpeg.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg could not read ${file}: ${stderr.trim()}`));
      resolve(splitJpegs(Buffer.concat(chunks)));
    });
  });
}

/** Splits concatenated JPEGs at each end-of-image marker (stuffed entropy data never holds one). */
function splitJpegs(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let start = 0;
  for (let end = stream.indexOf('ffd9', start, 'hex'); end !== -1; end = stream.indexOf('ffd9', start, 'hex')) {
    frames.push(stream.subarray(start, end + 2));
    start = end + 2;
  }
  return frames;
}

/** Plays recordings and photos as a webcam would show them; decoded sources are kept for the next frame. */
export class Webcam {
  /** The frames of each list of recordings, one after the other. */
  private readonly recordings = new Map<string, Promise<Buffer[]>>();
  private readonly photos = new Map<string, Promise<Raw>>();
  private readonly cutouts = new Map<string, Promise<Cutout>>();

  private recording(files: readonly string[]): Promise<Buffer[]> {
    const key = files.join('+');
    let frames = this.recordings.get(key);
    if (!frames) {
      frames = Promise.all(files.map(readRecording)).then((each) => each.flat());
      this.recordings.set(key, frames);
    }
    return frames;
  }

  private photo(file: string): Promise<Raw> {
    let raw = this.photos.get(file);
    if (!raw) {
      raw = toRaw(sharp(repoPath(`models/fixtures/${file}`)));
      this.photos.set(file, raw);
    }
    return raw;
  }

  /**
   * The person of `footage` at `seconds`, 640x480. Recordings play forward, then backward (no
   * jump at the end); a photo is panned and zoomed slightly, as a head moves before a webcam.
   */
  async person(footage: Footage, seconds: number): Promise<Raw> {
    if ('recordings' in footage) {
      const frames = await this.recording(footage.recordings);
      const step = Math.floor(seconds * recordingFps) % (2 * frames.length - 2);
      const index = step < frames.length ? step : 2 * frames.length - 2 - step;
      return toRaw(sharp(frames[index]));
    }
    if (footage.intoRoom) {
      const room = await this.emptyRoom(await this.person(footage.intoRoom, seconds));
      const person = await this.personLayer({ ...footage, intoRoom: undefined }, seconds, alonePlacement);
      return toRaw(rawOf(room).composite([person]));
    }
    const photo = await this.photo(footage.photo);
    const { region } = footage;
    // Slow, incommensurate drifts: never the same framing twice.
    const zoom = 1 - 0.05 * (1 + Math.sin(seconds / 5.3)) * 0.5;
    const width = Math.round(region.width * zoom);
    const height = Math.round(region.height * zoom);
    const spareX = region.width - width;
    const spareY = region.height - height;
    const left = region.left + Math.round(spareX * (0.5 + 0.5 * Math.sin(seconds / 3.1)));
    const top = region.top + Math.round(spareY * (0.5 + 0.5 * Math.sin(seconds / 4.7 + 1)));
    return toRaw(
      rawOf(photo).extract({ left, top, width, height }).resize(frameSize.width, frameSize.height, { fit: 'fill' }),
    );
  }

  /** A prop cut out with soft edges, scaled and tilted for `placement`; the same for every frame, so made once. */
  async propLayer(prop: Prop, placement: Placement): Promise<OverlayOptions> {
    const key = JSON.stringify([prop, placement]);
    let cutout = this.cutouts.get(key);
    if (!cutout) {
      cutout = this.photo(prop.file).then(async (photo) =>
        makeCutout(await toRaw(rawOf(photo).extract(prop.region)), placement, prop.onBlack ? 'onBlack' : 'box'),
      );
      this.cutouts.set(key, cutout);
    }
    return layerAt(await cutout, placement);
  }

  /** Another person (their footage at `seconds`) cut out as an oval of head and shoulders. */
  async personLayer(footage: Footage, seconds: number, placement: Placement): Promise<OverlayOptions> {
    return layerAt(await makeCutout(await this.person(footage, seconds), placement, 'oval'), placement);
  }

  /** The room in `frame` once its person has left: the frame's left edge (a wall, a window) stretched. */
  private emptyRoom(frame: Raw): Promise<Raw> {
    return toRaw(
      rawOf(frame)
        .extract({ left: 0, top: 0, width: Math.round(frame.width * 0.2), height: frame.height })
        .resize(frame.width, frame.height, { fit: 'fill' })
        .blur(3),
    );
  }

  /**
   * One frame as the camera encodes it: the person, the layers on top, the look applied. A
   * person leaving slides out to the right over the empty room, which is the left edge of the
   * person's own frame stretched (a wall, a window: whatever was beside them).
   */
  async frame(person: Raw, layers: readonly OverlayOptions[], look: Look, noiseSeed: number): Promise<Buffer> {
    let scene = person;
    if (look.leaving > 0) {
      const room = await this.emptyRoom(person);
      const shift = Math.round(person.width * Math.min(1, look.leaving));
      scene =
        shift >= person.width
          ? room
          : await toRaw(
              rawOf(room).composite([
                {
                  input: await rawOf(person)
                    .extract({ left: 0, top: 0, width: person.width - shift, height: person.height })
                    .raw()
                    .toBuffer(),
                  raw: { width: person.width - shift, height: person.height, channels: 3 },
                  left: shift,
                  top: 0,
                },
              ]),
            );
    }
    if (layers.length > 0) scene = await toRaw(rawOf(scene).composite([...layers]));
    // Lighting, colour and sensor noise in one pass over the pixels (cheaper than libvips' float ops here).
    const pixels = Buffer.from(scene.data);
    applyLight(pixels, look, noiseSeed);
    let encoded = sharp(pixels, { raw: { width: scene.width, height: scene.height, channels: 3 } });
    if (look.blur > 1) {
      // A horizontal line kernel (sharp takes no single-row kernel: the rows above and below are 0).
      const size = Math.round(look.blur) | 1;
      const kernel = Array.from({ length: 3 * size }, (_, index) => (index >= size && index < 2 * size ? 1 : 0));
      encoded = encoded.convolve({ width: size, height: 3, kernel });
    }
    if (look.quarterTurns % 4 !== 0) encoded = encoded.rotate(90 * (look.quarterTurns % 4));
    return encoded.jpeg({ quality: Math.round(look.jpegQuality) }).toBuffer();
  }
}

/** A cut-out: RGBA pixels. */
interface Cutout {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Opacity masks of the shapes that do not depend on the pixels, by shape and size: made once. */
const masks = new Map<string, Buffer>();

function shapeMask(shape: 'oval' | 'box', width: number, height: number): Buffer {
  const key = `${shape}:${width}x${height}`;
  let mask = masks.get(key);
  if (mask) return mask;
  mask = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let opacity: number;
      if (shape === 'oval') {
        // Head and shoulders: an ellipse filling the frame, its edge feathered over 15 %.
        const dx = (x - width / 2) / (width / 2);
        const dy = (y - height / 2) / (height / 2);
        opacity = Math.min(1, Math.max(0, (1 - Math.hypot(dx, dy)) / 0.15));
      } else {
        // A rectangle with a 12 % feathered border: the object and a little of what surrounded it.
        opacity = Math.min(1, Math.min(x, y, width - 1 - x, height - 1 - y) / (0.12 * Math.min(width, height)));
      }
      mask[y * width + x] = Math.round(opacity * 255);
    }
  }
  masks.set(key, mask);
  return mask;
}

async function makeCutout(image: Raw, placement: Placement, shape: 'oval' | 'box' | 'onBlack'): Promise<Cutout> {
  const longer = placement.size * frameSize.height;
  const scale = longer / Math.max(image.width, image.height);
  const width = Math.max(8, Math.round(image.width * scale));
  const height = Math.max(8, Math.round(image.height * scale));
  const scaled = await toRaw(rawOf(image).resize(width, height, { fit: 'fill' }));
  let alpha: Buffer;
  if (shape === 'onBlack') {
    alpha = Buffer.alloc(width * height);
    for (let pixel = 0; pixel < width * height; pixel += 1) {
      const level = Math.max(scaled.data[pixel * 3]!, scaled.data[pixel * 3 + 1]!, scaled.data[pixel * 3 + 2]!);
      alpha[pixel] = Math.round(Math.min(1, level / 24) * 255);
    }
  } else {
    alpha = shapeMask(shape, width, height);
  }
  let rgba = sharp(scaled.data, { raw: { width, height, channels: 3 } }).joinChannel(alpha, {
    raw: { width, height, channels: 1 },
  });
  if (placement.degrees !== 0) rgba = rgba.rotate(placement.degrees, { background: { r: 0, g: 0, b: 0, alpha: 0 } });
  const { data, info } = await rgba.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The cut-out placed in the frame, cropped where it reaches past the frame (sharp refuses overlays that do). */
async function layerAt(cutout: Cutout, placement: Placement): Promise<OverlayOptions> {
  const left = Math.round(placement.x * frameSize.width - cutout.width / 2);
  const top = Math.round(placement.y * frameSize.height - cutout.height / 2);
  const visible = {
    left: Math.max(0, -left),
    top: Math.max(0, -top),
    width: Math.max(1, Math.min(cutout.width, frameSize.width - left) - Math.max(0, -left)),
    height: Math.max(1, Math.min(cutout.height, frameSize.height - top) - Math.max(0, -top)),
  };
  const whole =
    visible.left === 0 && visible.top === 0 && visible.width === cutout.width && visible.height === cutout.height;
  const raw = { width: cutout.width, height: cutout.height, channels: 4 as const };
  const input = whole ? cutout.data : await sharp(cutout.data, { raw }).extract(visible).raw().toBuffer();
  return {
    input,
    raw: { width: visible.width, height: visible.height, channels: 4 },
    left: Math.max(0, left),
    top: Math.max(0, top),
  };
}

/** Repeatable numbers in (0, 1) from `seed` (xorshift32): the same look and noise on every run. */
export function seededRandom(seed: number): () => number {
  let state = Math.imul(seed, 2654435761) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
}

/** Standard normal samples, drawn once (Box-Muller): noise is read from them. */
const normalSamples = (() => {
  const samples = new Float32Array(1 << 16);
  // The seed whose first state is xorshift32's customary 2463534242.
  const uniform = seededRandom(296369474);
  for (let index = 0; index < samples.length; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    samples[index] = radius * Math.cos(angle);
    samples[index + 1] = radius * Math.sin(angle);
  }
  return samples;
})();

/**
 * Brightness and colour balance, then Gaussian sensor noise, in place: the noise is read from the
 * table of normal samples at a seeded offset and odd stride, the same for the same seed.
 */
function applyLight(data: Buffer, look: Look, seed: number): void {
  const gains = look.tint.map((factor) => factor * look.brightness);
  const mask = normalSamples.length - 1;
  let position = (seed * 2654435761) & mask;
  const stride = ((seed * 40503) & 0xfff) | 1;
  for (let index = 0; index < data.length; index += 1) {
    position = (position + stride) & mask;
    const value = data[index]! * gains[index % 3]! + look.noise * normalSamples[position]!;
    data[index] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
}
