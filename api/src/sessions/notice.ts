import { createHash } from 'node:crypto';
import { pipelineTopics, type SurveillanceLevel } from '@proctoflex/core';
import { captureSettings } from './capture.ts';

/**
 * What a candidate agrees to before any capture: what is recorded of them in this exam, how long
 * it is kept and who sees it. `version` is a hash of the rest: a session starts only with the
 * version of the notice in force (an exam whose level or retention changed asks again).
 */
export interface RecordingNotice {
  readonly version: string;
  readonly recorded: string[];
  readonly kept: string;
  readonly seenBy: string;
}

const seconds = (ms: number) => `${ms / 1000} s`;

/** How long Kafka keeps the stream of pictures and sound (infra/kafka/topics), in hours. */
function streamHours(): number {
  const media = pipelineTopics().filter(({ name }) => name === 'proctor.frames.v1' || name === 'proctor.audio.v1');
  return Math.max(...media.map(({ retentionMs }) => (retentionMs ?? Infinity) / 3_600_000));
}

export function recordingNotice(exam: {
  surveillanceLevel: SurveillanceLevel;
  retentionDays: number;
}): RecordingNotice {
  const capture = captureSettings(exam.surveillanceLevel);
  const content = {
    recorded: [
      `Camera: a picture every ${seconds(capture.frameIntervalMs)}, the first one kept as your reference photo`,
      'Microphone: all sound, while the exam runs',
      `Your screen: a picture every ${seconds(capture.screenIntervalMs)} and whenever you leave or return to the exam window, each one kept as evidence`,
      `Your computer, with the desktop app (not in a browser): the running applications, the focused window and the displays, every ${seconds(capture.processIntervalMs)}`,
      'Leaving the exam window, copy and paste, stopping the screen share',
      'Around each alert: a short clip (pictures and sound) and a strip of pictures, kept as evidence',
    ],
    kept: `The stream of pictures and sound: ${streamHours()} hours. Alerts, evidence (the pictures of your screen included) and the analysis: ${exam.retentionDays} days after the exam ends, then deleted. You may ask an administrator for a copy of your data or for its erasure.`,
    seenBy:
      "This exam's proctors and instructor, and the exam centre's administrators. Detectors score the recordings automatically; a person decides on every alert.",
  };
  const version = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
  return { version, ...content };
}
