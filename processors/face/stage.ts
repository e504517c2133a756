import {
  detectorScore,
  float32State,
  type ExamPolicy,
  type FrameCaptured,
  type OutputRecord,
  type SessionState,
  type StageDefinition,
} from '@proctoflex/core';
import {
  decodeFrames,
  ModelSessions,
  modelVersion,
  similarity,
  type DecodedFrame,
  type Face,
} from '@proctoflex/inference';
import { loadFaceConfig } from './config.ts';
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
 * Frames whose face is compared with an enrolment (the enrolments themselves included): one face,
 * turned no further than the limits (a profile does not describe a person reliably), at most
 * every `intervalMs` per session, or every frame while the last comparison was a mismatch.
 */
function identityFrames(
  frames: readonly DecodedFrame[],
  faces: readonly Face[][],
  state: SessionState<FaceState>,
  limitsOfExam: (examId: string) => LookingAwayLimits,
  intervalMs: number,
): number[] {
  const sessions = new Map<string, FaceState>();
  return frames.flatMap(({ frame }, index) => {
    const session = sessions.get(frame.sessionId) ?? state.get(frame.sessionId) ?? noState;
    const [face, ...others] = faces[index]!;
    if (!face || others.length > 0 || turnedAway(face, limitsOfExam(frame.examId)) > 1) return [];
    if (frame.enrolment) {
      // The first frame after an enrolment is checked at once.
      sessions.set(frame.sessionId, { reference: 'pending', identityCheckedAt: 0, suspect: false });
      return [index];
    }
    if (!session.reference) return [];
    if (!session.suspect && frame.captureTime - session.identityCheckedAt < intervalMs) return [];
    sessions.set(frame.sessionId, { ...session, identityCheckedAt: frame.captureTime });
    return [index];
  });
}

/**
 * Scores every webcam frame for no face, several faces and looking away (limits from the
 * exam's surveillance level), and, at most every FACE_IDENTITY_INTERVAL_MS per session, whether
 * the face is the one of the session's enrolment frame. Screen frames are not scored.
 */
export function faceStage(): StageDefinition<FaceState> {
  const config = loadFaceConfig();
  const scoredBy = modelVersion(['face-detector-short-range', 'face-detector', 'face-landmarks', 'face-embedding']);
  return {
    name: 'face',
    inputs: [config.FRAMES_TOPIC],
    tables: [config.POLICIES_TOPIC],
    outputs: [{ topic: config.SCORES_TOPIC, schema: 'DetectorScore' }],
    delivery: 'exactly-once',
    stateful: true,
    batchMaxRecords: 16,
    open: () => {
      const models = new ModelSessions(config);
      return Promise.resolve({
        async processBatch(records, { state, tables, reject, logger }) {
          const webcam = records.filter((record) => (record.value as FrameCaptured).source === 'WEBCAM');
          const frames = await decodeFrames(webcam, reject);
          const faces = await findFaces(
            models,
            frames.map(({ image }) => image),
          );
          const limitsOfExam = (examId: string) =>
            limitsOf(tables.get(config.POLICIES_TOPIC, examId) as ExamPolicy | undefined);
          const checked = identityFrames(frames, faces, state, limitsOfExam, config.FACE_IDENTITY_INTERVAL_MS);
          const descriptors = await describeFaces(
            models,
            checked.map((index) => frames[index]!.image),
          );
          const descriptorOf = new Map(checked.map((frameIndex, index) => [frameIndex, descriptors[index]]));

          return frames.map(({ frame }, index): OutputRecord => {
            const signals = faceSignals(faces[index]!, limitsOfExam(frame.examId));
            const descriptor = descriptorOf.get(index);
            const session = state.get(frame.sessionId) ?? noState;
            if (frame.enrolment) {
              if (descriptor)
                state.set(frame.sessionId, {
                  reference: float32State.encode(descriptor),
                  identityCheckedAt: 0,
                  suspect: false,
                });
              else
                logger.warn(
                  { sessionId: frame.sessionId, seq: frame.seq },
                  'the enrolment frame gives no reference: it needs one face, turned to the camera',
                );
            } else if (descriptor && session.reference) {
              const identity = identitySignal(similarity(descriptor, float32State.decode(session.reference)));
              signals.push(identity);
              state.set(frame.sessionId, {
                ...session,
                identityCheckedAt: frame.captureTime,
                suspect: identity.score >= 0.5,
              });
            }
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
}
