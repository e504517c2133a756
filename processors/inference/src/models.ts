import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { repoPath, timed } from '@proctoflex/core';
import type { InferenceConfig } from './config.ts';
import type { Box } from './geometry.ts';
import { resizeInto, type DecodedImage, type ImageSize } from './image.ts';

export type ModelName =
  | 'face-detector'
  | 'face-detector-short-range'
  | 'face-landmarks'
  | 'face-embedding'
  | 'object-detector'
  | 'voice-activity';

interface ManifestEntry {
  readonly file: string;
  readonly sha256: string;
  readonly source: string;
  /** face-embedding only: cosine similarity from which two faces are one person. */
  readonly identityThreshold?: number;
}

const manifest = JSON.parse(readFileSync(repoPath('models/manifest.json'), 'utf8')) as {
  models: Record<ModelName, ManifestEntry>;
};

export function manifestEntry(name: ModelName): ManifestEntry {
  return manifest.models[name];
}

/** Names the exact model files behind a score, e.g. `face-detector.onnx@ddf6ba3f82f6+face-landmarks.onnx@…`. */
export function modelVersion(names: readonly ModelName[]): string {
  return names.map((name) => `${manifestEntry(name).file}@${manifestEntry(name).sha256.slice(0, 12)}`).join('+');
}

/** The model file's bytes, refused when they are not the ones the manifest names. */
export function readModel(name: ModelName): Buffer {
  const { file, sha256 } = manifestEntry(name);
  const bytes = readFileSync(repoPath(`models/${file}`));
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new Error(`models/${file} has sha256 ${actual}, the manifest says ${sha256}`);
  return bytes;
}

/** Loads a model once per process and reuses it for every batch. */
export class ModelSessions {
  private readonly sessions = new Map<ModelName, Promise<ort.InferenceSession>>();

  constructor(private readonly config: InferenceConfig) {}

  get(name: ModelName): Promise<ort.InferenceSession> {
    let session = this.sessions.get(name);
    if (!session) {
      session = ort.InferenceSession.create(readModel(name), {
        executionProviders: this.config.INFERENCE_EXECUTION_PROVIDER === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
        intraOpNumThreads: this.config.INFERENCE_THREADS,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      this.sessions.set(name, session);
    }
    return session;
  }

  async close(): Promise<void> {
    for (const session of this.sessions.values()) await (await session).release();
    this.sessions.clear();
  }
}

/** A region to feed an image model: the whole frame, or a square of it. */
export interface ImageRegion {
  readonly image: DecodedImage;
  readonly box?: Box;
}

/**
 * Runs an NHWC image model once for a batch of regions, each resized to `size` and its pixels
 * mapped to `pixel * scale + offset`. Returns the model's outputs by name.
 */
export async function runImageModel(
  models: ModelSessions,
  name: ModelName,
  size: ImageSize,
  regions: readonly ImageRegion[],
  normalise: { scale: number; offset: number },
): Promise<Record<string, ort.Tensor>> {
  const session = await models.get(name);
  const pixels = size.width * size.height * 3;
  const input = new Float32Array(regions.length * pixels);
  await timed('image-prep', () =>
    Promise.all(regions.map(({ image, box }, index) => resizeInto(image, size, input, index * pixels, normalise, box))),
  );
  const shape = [regions.length, size.height, size.width, 3];
  return timed(`model:${name}`, () =>
    session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, shape) }),
  );
}

export { ort };
