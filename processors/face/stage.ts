import {
  detectorScore,
  scoredInputs,
  float32State,
  type Logger,
  type Signal,
  type ExamPolicy,
  type FrameCaptured,
  type OutputRecord,
  type SessionState,
  type SessionStatus,
  pipelineStage,
} from '@proctoflex/core';
import {
  decodeFrames,
  ModelSessions,
  modelVersion,
  similarity,
  type DecodedFrame,
  type Face,
} from '@proctoflex/inference';
import { faceSpec } from './config.ts';
import {
  describeFaces,
  faceSignals,
  findFaces,
  identitySignal,
  limitsOf,
  turnedAway,
  type LookingAwayLimits,
} from './detect.ts';

/** What the face stage remembers of a session (in its changelog). */
export interface FaceState {
  /** Identity descriptor of the enrolment face: base64 of 1024 float32s. */
  readonly reference: string | null;
  /** captureTime of the frame last compared with the reference. */
  readonly identityCheckedAt: number;
  /** The last comparison was a mismatch: the next frames are compared at once, to confirm or clear it. */
  readonly suspect: boolean;
}

const noState: FaceState = { reference: null, identityCheckedAt: 0, suspect: false };

/**
 * Compares faces with the session's enrolment, frame by frame in each session's order, exactly
 * as if the frames came one at a time, but with one embedding call per round for every session
 * that has a frame to compare: the enrolment itself, then at most one frame every `intervalMs`,
 * or every frame while the last comparison was a mismatch (to confirm or clear it quickly). Only
 * a single face turned within the limits is compared (a profile describes a person poorly).
 * Updates each session's state; returns the identity signal of every frame compared.
 */
async function checkIdentities(
  models: ModelSessions,
  frames: readonly DecodedFrame[],
  faces: readonly Face[][],
  state: SessionState<FaceState>,
  limitsOfExam: (examId: string) => LookingAwayLimits,
  intervalMs: number,
  logger: Logger,
): Promise<Map<number, Signal>> {
  const framesOf = new Map<string, number[]>();
  frames.forEach(({ frame }, index) => {
    if (!framesOf.has(frame.sessionId)) framesOf.set(frame.sessionId, []);
    framesOf.get(frame.sessionId)!.push(index);
  });
  const comparable = (index: number) => {
    const [face, ...others] = faces[index]!;
    return (
      face !== undefined && others.length === 0 && turnedAway(face, limitsOfExam(frames[index]!.frame.examId)) <= 1
    );
  };
  const due = (index: number) => {
    const { frame } = frames[index]!;
    const session = state.get(frame.sessionId) ?? noState;
    if (!comparable(index)) return false;
    if (frame.enrolment) return true;
    return (
      session.reference !== null && (session.suspect || frame.captureTime - session.identityCheckedAt >= intervalMs)
    );
  };
  const signals = new Map<number, Signal>();
  for (;;) {
    // Each session's next frame to compare; the frames before it need none.
    const round = [...framesOf.values()].flatMap((indices) => {
      while (indices.length > 0 && !due(indices[0]!)) indices.shift();
      return indices.length > 0 ? [indices.shift()!] : [];
    });
    if (round.length === 0) return signals;
    const descriptors = await describeFaces(
      models,
      round.map((index) => frames[index]!.image),
    );
    round.forEach((index, position) => {
      const { frame } = frames[index]!;
      const descriptor = descriptors[position];
      const session = state.get(frame.sessionId) ?? noState;
      if (frame.enrolment) {
        if (descriptor) {
          state.set(frame.sessionId, {
            reference: float32State.encode(descriptor),
            identityCheckedAt: 0,
            suspect: false,
          });
        } else {
          logger.warn(
            { sessionId: frame.sessionId, seq: frame.seq },
            'the enrolment frame gives no reference: it needs one face, turned to the camera',
          );
        }
      } else if (descriptor) {
        const identity = identitySignal(similarity(descriptor, float32State.decode(session.reference!)));
        signals.set(index, identity);
        state.set(frame.sessionId, {
          ...session,
          identityCheckedAt: frame.captureTime,
          suspect: identity.score >= 0.5,
        });
      }
    });
  }
}

/**
 * Scores every webcam frame for no face, several faces and looking away (limits from the
 * exam's surveillance level), and, at most every FACE_IDENTITY_INTERVAL_MS per session (every
 * frame while a mismatch is being confirmed), whether the face is the one of the session's
 * enrolment frame. Screen frames are not scored. Batching changes no score.
 */
export const faceStage = pipelineStage<typeof faceSpec, FaceState>({
  name: 'face',
  spec: faceSpec,
  variablePrefix: 'FACE_',
  create(config) {
    const scoredBy = modelVersion(['face-detector-short-range', 'face-detector', 'face-landmarks', 'face-embedding']);
    return {
      // Session statuses come in beside the frames (co-partitioned): an erased session's enrolment
      // descriptor is deleted, which writes its tombstone to the changelog.
      inputs: [config.FRAMES_TOPIC, config.SESSION_STATUS_TOPIC],
      tables: [config.POLICIES_TOPIC],
      outputs: [{ topic: config.SCORES_TOPIC, schema: 'DetectorScore' }],
      delivery: 'exactly-once',
      stateful: true,
      open: () => {
        const models = new ModelSessions(config);
        return Promise.resolve({
          async processBatch(records, { state, tables, reject, logger }) {
            for (const { topic, value } of records) {
              const status = value as SessionStatus;
              if (topic === config.SESSION_STATUS_TOPIC && status.status === 'ERASED') state.delete(status.sessionId);
            }
            const webcam = records.filter(
              (record) => record.topic === config.FRAMES_TOPIC && scoredInputs.face(record.value as FrameCaptured),
            );
            const frames = await decodeFrames(webcam, reject);
            const faces = await findFaces(
              models,
              frames.map(({ image }) => image),
            );
            const limitsOfExam = (examId: string) =>
              limitsOf(tables.get(config.POLICIES_TOPIC, examId) as ExamPolicy | undefined);
            const identities = await checkIdentities(
              models,
              frames,
              faces,
              state,
              limitsOfExam,
              config.FACE_IDENTITY_INTERVAL_MS,
              logger,
            );
            return frames.map(({ frame }, index): OutputRecord => {
              const signals = faceSignals(faces[index]!, limitsOfExam(frame.examId));
              const identity = identities.get(index);
              if (identity) signals.push(identity);
              return {
                topic: config.SCORES_TOPIC,
                key: frame.sessionId,
                value: detectorScore(frame, config.FRAMES_TOPIC, 'FACE', scoredBy, signals),
              };
            });
          },
          close: () => models.close(),
        });
      },
    };
  },
});
