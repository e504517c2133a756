import { policyInForce, signal, type ExamPolicy, type Signal, type SurveillanceLevel } from '@proctoflex/core';
import {
  defaultFaceOptions,
  detectFaces,
  identityThreshold,
  rotateBox,
  rotateImage,
  type DecodedImage,
  type Face,
  type FaceOptions,
  type ModelSessions,
} from '@proctoflex/inference';

/** The faces of one frame, as the models read them: in the frame turned so that they stand upright. */
export interface FoundFaces {
  readonly faces: Face[];
  /** The frame, turned upright when the camera is on its side or upside down. */
  readonly upright: DecodedImage;
  /** Clockwise quarter turns from the frame as captured to `upright`. */
  readonly quarterTurns: number;
}

/** Which way up to read a frame: the session's camera orientation so far, and whether to check it. */
export interface OrientationHint {
  /** Clockwise quarter turns that stood the session's last faces upright. */
  readonly quarterTurns: number;
  /** Read the frame the other three ways too, and keep the way its face is clearly most upright. */
  readonly check: boolean;
}

/**
 * How surely a reading shows an upright face: the detector's certainty times the landmark model's.
 * The detector also finds faces lying on their side (as surely as upright ones, at times), but
 * their landmarks are garbled and the landmark model says so; upside down, the landmark model is
 * fooled but the detector is less sure. Upright faces score 0.83-0.97 on the fixtures, the same
 * faces read any other way up at most 0.75.
 */
const uprightness = (faces: readonly Face[]) => Math.max(0, ...faces.map((face) => face.score * face.meshScore));
/**
 * The webcam detector keeps faces from 0.5: a second person behind the candidate's shoulder,
 * smaller and further away, scores 0.5-0.6 on a fifth of the frames that show one (the
 * evaluation's second-person frames), while no frame of an honest candidate has any second face
 * even from 0.3 (200 frames of every sitter, lighting, noise, blur and compression varied).
 */
const webcamFaceOptions: FaceOptions = { ...defaultFaceOptions, minConfidence: 0.5 };

/**
 * A reading the other way up changes the orientation only when it is upright with some
 * certainty and clearly more so than the current one: a face in profile, which the landmark
 * model doubts (0.2), must not be turned into a garbled face on its side (0.3).
 */
const orientation = { minUprightness: 0.5, margin: 0.1 };

/**
 * Reads each attempt's frame turned clockwise by its quarter turns, with one detector call for
 * all; an attempt whose detections are all below its `worthFrom` comes back without faces.
 */
async function readTurned(
  models: ModelSessions,
  images: readonly DecodedImage[],
  attempts: readonly { index: number; quarterTurns: number; worthFrom?: number }[],
  options: FaceOptions,
): Promise<FoundFaces[]> {
  const turned = attempts.map(({ index, quarterTurns }) => rotateImage(images[index]!, quarterTurns));
  const faces = await detectFaces(
    models,
    turned,
    options,
    attempts.map(({ worthFrom }) => worthFrom ?? 0),
  );
  return attempts.map(({ quarterTurns }, attempt) => ({
    faces: faces[attempt]!,
    upright: turned[attempt]!,
    quarterTurns,
  }));
}

/**
 * Faces in each frame. The short-range detector (webcam distance) reads every frame the way up
 * its hint says. A camera on its side or upside down (a turned laptop screen, a mounted camera)
 * shows sideways faces the detector misses, or upside-down ones it finds with less certainty and
 * whose landmarks come out garbled: frames whose hint asks for a check, and frames where no face
 * is found, are also read the other three ways up, and a clearly more upright face there turns
 * the frame. Frames still without a face are read again by the long-range detector, which also
 * finds heads turned far away: "no face" is then a face the models cannot find at all, not a
 * profile and not a rotated camera.
 */
export async function findFaces(
  models: ModelSessions,
  images: readonly DecodedImage[],
  hints: readonly OrientationHint[] = images.map(() => ({ quarterTurns: 0, check: true })),
): Promise<FoundFaces[]> {
  const found = await readTurned(
    models,
    images,
    images.map((_, index) => ({ index, quarterTurns: hints[index]!.quarterTurns })),
    webcamFaceOptions,
  );
  /** How upright another reading must be to turn the frame; its detector's certainty bounds it from above. */
  const toBeat = ({ faces }: FoundFaces) =>
    Math.max(orientation.minUprightness, uprightness(faces) + (faces.length === 0 ? 0 : orientation.margin));
  const toCheck = found.flatMap((current, index) =>
    hints[index]!.check || current.faces.length === 0
      ? [1, 2, 3].map((turn) => ({
          index,
          quarterTurns: (current.quarterTurns + turn) % 4,
          worthFrom: toBeat(current),
        }))
      : [],
  );
  (await readTurned(models, images, toCheck, webcamFaceOptions)).forEach((other, attempt) => {
    const { index } = toCheck[attempt]!;
    if (uprightness(other.faces) >= toBeat(found[index]!)) found[index] = other;
  });
  const faceless = found.flatMap(({ faces, quarterTurns }, index) =>
    faces.length === 0 ? [{ index, quarterTurns }] : [],
  );
  (await readTurned(models, images, faceless, { ...defaultFaceOptions, range: 'long' })).forEach((far, attempt) => {
    found[faceless[attempt]!.index] = far;
  });
  return found;
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

const area = (face: Face) => face.box.width * face.box.height;

/**
 * no_face, several_faces and (when there is a face) looking_away for one frame. The candidate is
 * the largest face: the one closest to the camera. Boxes are in the frame as captured.
 */
export function faceSignals({ faces, quarterTurns }: FoundFaces, limits: LookingAwayLimits): Signal[] {
  const boxOf = (face: Face) => ({ label: 'face', score: face.score, ...rotateBox(face.box, 4 - quarterTurns) });
  const measurements = { faceCount: faces.length, cameraRotationDegrees: quarterTurns * 90 };
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
