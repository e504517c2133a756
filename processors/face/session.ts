import { float32State, type Logger, type SessionState, type Signal } from '@proctoflex/core';
import { describeFaces, similarity, type DecodedFrame, type ModelSessions } from '@proctoflex/inference';
import {
  faceSignals,
  findFaces,
  identitySignal,
  turnedAway,
  type FoundFaces,
  type LookingAwayLimits,
} from './detect.ts';

/** What the face stage remembers of a session (in its changelog). */
export interface FaceState {
  /** Clockwise quarter turns that stand the session's faces upright (its camera's orientation). */
  readonly cameraQuarterTurns: number;
  /** captureTime of the frame whose orientation was last checked all four ways. */
  readonly orientationCheckedAt: number;
  /** Identity descriptor of the enrolment face: base64 of 1024 float32s. */
  readonly reference: string | null;
  /** captureTime of the frame last compared with the reference. */
  readonly identityCheckedAt: number;
  /** The last comparison was a mismatch: the next frames are compared at once, to confirm or clear it. */
  readonly suspect: boolean;
}

const noState: FaceState = {
  cameraQuarterTurns: 0,
  orientationCheckedAt: 0,
  reference: null,
  identityCheckedAt: 0,
  suspect: false,
};

/** A session's state; a session stored before a field existed gets that field's initial value. */
const sessionOf = (state: SessionState<FaceState>, sessionId: string): FaceState => ({
  ...noState,
  ...state.get(sessionId),
});

/**
 * Faces in each frame, read the way up the session's camera is. The orientation is checked (the
 * frame read all four ways) on the enrolment, then at most every `intervalMs` per session and on
 * every frame without a face; the way the faces were found stands for the session's next frames.
 * Frames are taken in rounds, one frame of each session per round, so that each is read with
 * what its session's earlier frames found, exactly as if they came one at a time (a lagging
 * stage's batch holds several frames of a session: none of them needs a check of its own).
 */
export async function findSessionFaces(
  models: ModelSessions,
  frames: readonly DecodedFrame[],
  state: SessionState<FaceState>,
  intervalMs: number,
): Promise<FoundFaces[]> {
  const found: FoundFaces[] = [];
  for (const round of roundsBySession(frames)) {
    const hints = round.map((index) => {
      const { frame } = frames[index]!;
      const session = sessionOf(state, frame.sessionId);
      const last = session.orientationCheckedAt;
      const check = frame.enrolment || last === 0 || frame.captureTime - last >= intervalMs;
      return { quarterTurns: session.cameraQuarterTurns, check };
    });
    const read = await findFaces(
      models,
      round.map((index) => frames[index]!.image),
      hints,
    );
    round.forEach((index, position) => {
      const { frame } = frames[index]!;
      const session = sessionOf(state, frame.sessionId);
      const { faces, quarterTurns } = read[position]!;
      found[index] = read[position]!;
      state.set(frame.sessionId, {
        ...session,
        cameraQuarterTurns: faces.length > 0 ? quarterTurns : session.cameraQuarterTurns,
        orientationCheckedAt: hints[position]!.check ? frame.captureTime : session.orientationCheckedAt,
      });
    });
  }
  return found;
}

/** The frames' indices by session, each in the batch's order. */
function framesBySession(frames: readonly DecodedFrame[]): number[][] {
  const bySession = new Map<string, number[]>();
  frames.forEach(({ frame }, index) => {
    const indices = bySession.get(frame.sessionId);
    if (indices) indices.push(index);
    else bySession.set(frame.sessionId, [index]);
  });
  return [...bySession.values()];
}

/** The frames' indices in rounds: each session's first frame, then each one's second, and so on. */
function roundsBySession(frames: readonly DecodedFrame[]): number[][] {
  const rounds: number[][] = [];
  for (const indices of framesBySession(frames)) indices.forEach((index, round) => (rounds[round] ??= []).push(index));
  return rounds.map((round) => round.sort((a, b) => a - b));
}

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
  faces: readonly FoundFaces[],
  state: SessionState<FaceState>,
  limitsOfExam: (examId: string) => LookingAwayLimits,
  intervalMs: number,
  logger: Logger,
  describe: typeof describeFaces,
): Promise<Map<number, Signal>> {
  const framesOf = framesBySession(frames);
  const comparable = (index: number) => {
    const [face, ...others] = faces[index]!.faces;
    return (
      face !== undefined && others.length === 0 && turnedAway(face, limitsOfExam(frames[index]!.frame.examId)) <= 1
    );
  };
  const due = (index: number) => {
    const { frame } = frames[index]!;
    const session = sessionOf(state, frame.sessionId);
    if (!comparable(index)) return false;
    if (frame.enrolment) return true;
    return (
      session.reference !== null && (session.suspect || frame.captureTime - session.identityCheckedAt >= intervalMs)
    );
  };
  const signals = new Map<number, Signal>();
  for (;;) {
    // Each session's next frame to compare; the frames before it need none.
    const round = framesOf.flatMap((indices) => {
      while (indices.length > 0 && !due(indices[0]!)) indices.shift();
      return indices.length > 0 ? [indices.shift()!] : [];
    });
    if (round.length === 0) return signals;
    const descriptors = await describe(
      models,
      round.map((index) => faces[index]!.upright),
    );
    round.forEach((index, position) => {
      const { frame } = frames[index]!;
      const descriptor = descriptors[position];
      const session = sessionOf(state, frame.sessionId);
      if (frame.enrolment) {
        if (descriptor) {
          state.set(frame.sessionId, {
            ...session,
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
 * Every frame's face signals: no_face, several_faces and looking_away (limits from the exam's
 * surveillance level), and identity_mismatch on the frames compared with the enrolment.
 * `describe` computes the identity descriptors (the detection evaluation, scoring the same frames
 * at every surveillance level, describes each frame once).
 */
export async function scoreFaces(
  models: ModelSessions,
  frames: readonly DecodedFrame[],
  faces: readonly FoundFaces[],
  state: SessionState<FaceState>,
  limitsOfExam: (examId: string) => LookingAwayLimits,
  intervalMs: number,
  logger: Logger,
  describe: typeof describeFaces = describeFaces,
): Promise<Signal[][]> {
  const identities = await checkIdentities(models, frames, faces, state, limitsOfExam, intervalMs, logger, describe);
  return frames.map(({ frame }, index) => {
    const signals = faceSignals(faces[index]!, limitsOfExam(frame.examId));
    const identity = identities.get(index);
    return identity ? [...signals, identity] : signals;
  });
}
