import { defaultFaceOptions, detectFaces } from './faces.ts';
import type { Box } from './geometry.ts';
import { square, type DecodedImage } from './image.ts';
import { manifestEntry, runImageModel, type ModelSessions } from './models.ts';

const embeddingSize = 224;

/**
 * Two descriptors at or above this similarity are one person; calibrated on long-range
 * detections (models/manifest.json says how).
 */
export const identityThreshold = manifestEntry('face-embedding').identityThreshold!;

/** A face to describe: the frame and the square around its landmarks (`Face.landmarkBox`). */
export interface FaceCrop {
  readonly image: DecodedImage;
  readonly crop: Box;
}

/** Identity descriptors, L2-normalised, one model invocation for the whole batch. */
export async function embedFaces(models: ModelSessions, faces: readonly FaceCrop[]): Promise<Float32Array[]> {
  if (faces.length === 0) return [];
  const outputs = await runImageModel(
    models,
    'face-embedding',
    square(embeddingSize),
    faces.map(({ image, crop }) => ({ image, box: crop })),
    { scale: 1, offset: 0 },
  );
  const descriptors = outputs['global_pooling/Mean']!.data as Float32Array;
  return faces.map((_, index) => {
    const vector = descriptors.slice(index * 1024, (index + 1) * 1024);
    const length = Math.hypot(...vector);
    return vector.map((value) => value / length);
  });
}

/** Cosine similarity of two L2-normalised descriptors, -1 to 1. */
export function similarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let index = 0; index < a.length; index += 1) dot += a[index]! * b[index]!;
  return dot;
}

/**
 * Identity descriptor of the one face in each (upright) image, or null where there is not exactly
 * one. The faces are found by the long-range detector: the identity threshold is calibrated on its
 * landmark crops (`identityCalibration` in models/manifest.json).
 */
export async function describeFaces(
  models: ModelSessions,
  images: readonly DecodedImage[],
): Promise<(Float32Array | null)[]> {
  const faces = await detectFaces(models, images, { ...defaultFaceOptions, range: 'long' });
  const single = images.flatMap((image, index) => (faces[index]!.length === 1 ? [{ image, index }] : []));
  const descriptors = await embedFaces(
    models,
    single.map(({ image, index }) => ({ image, crop: faces[index]![0]!.landmarkBox })),
  );
  const result: (Float32Array | null)[] = images.map(() => null);
  single.forEach(({ index }, position) => (result[index] = descriptors[position]!));
  return result;
}
