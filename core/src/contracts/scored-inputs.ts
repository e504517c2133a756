import type { FrameCaptured } from './records.ts';

/**
 * Which inputs each detector scores, in one place: the processors select with these and the
 * drills count the scores they owe with them. App policy scores every process snapshot.
 */
export const scoredInputs = {
  /** Every webcam frame, the enrolment included (it sets the identity reference). */
  face: (frame: Pick<FrameCaptured, 'source'>) => frame.source === 'WEBCAM',
  /** Webcam frames after the enrolment are counted in the session's order… */
  countsForObject: (frame: Pick<FrameCaptured, 'source' | 'enrolment'>) =>
    frame.source === 'WEBCAM' && !frame.enrolment,
  /** …and every n-th of them is scored, the first one included. */
  object: (countedBefore: number, everyNth: number) => countedBefore % everyNth === 0,
  /** A session's audio is one stream: a chunk whose seq is not above the last one heard (a resend) is dropped. */
  voice: (seq: number, lastHeardSeq: number) => seq > lastHeardSeq,
};
