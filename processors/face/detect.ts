import { policyInForce, signal, type ExamPolicy, type Signal, type SurveillanceLevel } from '@proctoflex/core';
import {
  defaultFaceOptions,
  detectFaces,
  embedFaces,
  identityThreshold,
  type DecodedImage,
  type Face,
  type ModelSessions,
} from '@proctoflex/inference';

/**
 * Faces in each frame. The short-range detector (webcam distance) reads every frame; frames where
 * it sees no face are read again by the long-range one, which also finds heads turned far away:
 * "no face" is then a face the models cannot find at all, not a profile.
 */
export async function findFaces(models: ModelSessions, images: readonly DecodedImage[]): Promise<Face[][]> {
  const faces = await detectFaces(models, images);
  const faceless = images.flatMap((_, index) => (faces[index]!.length === 0 ? [index] : []));
  const second = await detectFaces(
    models,
    faceless.map((index) => images[index]!),
    { ...defaultFaceOptions, range: 'long' },
  );
  faceless.forEach((imageIndex, index) => (faces[imageIndex] = second[index]!));
  return faces;
}

/**
 * Identity descriptor of the one face in each image, or null where there is not exactly one.
 * The faces are found by the long-range detector: the identity threshold is calibrated on its
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

/** Head rotation, in degrees either way, beyond which a candidate counts as looking away. */
export interface LookingAwayLimits {
  readonly yawDegrees: number;
  readonly pitchDegrees: number;
}

/** Pitch allows more than yaw: candidates look down at their keyboard and paper all the time. */
export const lookingAwayLimits: Record<SurveillanceLevel, LookingAwayLimits> = {
  LOW: { yawDegrees: 45, pitchDegrees: 40 },
  STANDARD: { yawDegrees: 30, pitchDegrees: 30 },
  STRICT: { yawDegrees: 20, pitchDegrees: 25 },
};

export function limitsOf(policy: ExamPolicy | undefined): LookingAwayLimits {
  return lookingAwayLimits[policyInForce(policy)?.surveillanceLevel ?? 'STANDARD'];
}

/** How far the head is turned, as a share of the limits: above 1 is looking away. */
export function turnedAway(face: Face, limits: LookingAwayLimits): number {
  return Math.max(Math.abs(face.pose.yaw) / limits.yawDegrees, Math.abs(face.pose.pitch) / limits.pitchDegrees);
}

const boxOf = (face: Face) => ({ label: 'face', score: face.score, ...face.box });
const area = (face: Face) => face.box.width * face.box.height;

/**
 * no_face, several_faces and (when there is a face) looking_away for one frame. The candidate is
 * the largest face: the one closest to the camera.
 */
export function faceSignals(faces: readonly Face[], limits: LookingAwayLimits): Signal[] {
  const measurements = { faceCount: faces.length };
  const boxes = faces.map(boxOf);
  const byScore = [...faces].sort((a, b) => b.score - a.score);
  const signals = [
    signal('no_face', faces.length === 0 ? 1 : 0, { measurements }),
    // As sure as the detector is of the second most certain face.
    signal('several_faces', byScore[1]?.score ?? 0, { measurements, boxes }),
  ];
  const candidate = [...faces].sort((a, b) => area(b) - area(a))[0];
  if (candidate) {
    const { yaw, pitch, roll } = candidate.pose;
    signals.push(
      // 0 up to 3/4 of the limit, 0.5 at the limit, 1 from 5/4 of it.
      signal('looking_away', (turnedAway(candidate, limits) - 0.75) / 0.5, {
        measurements: {
          yawDegrees: yaw,
          pitchDegrees: pitch,
          rollDegrees: roll,
          yawLimitDegrees: limits.yawDegrees,
          pitchLimitDegrees: limits.pitchDegrees,
        },
        boxes: [boxOf(candidate)],
      }),
    );
  }
  return signals;
}

/** identity_mismatch from the similarity of a frame's face to the enrolment face: 0.5 at the threshold. */
export function identitySignal(similarity: number): Signal {
  return signal('identity_mismatch', 1 / (1 + Math.exp((similarity - identityThreshold) / 0.01)), {
    measurements: { similarity, threshold: identityThreshold },
  });
}
