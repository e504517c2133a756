import type { Detector, DetectorScore, Signal } from './contracts/records.ts';

/** What every input record of a session carries, and a score repeats to name its evidence. */
export interface ScoredInput {
  readonly sessionId: string;
  readonly examId: string;
  readonly candidateId: string;
  readonly seq: number;
  readonly captureTime: number;
}

/** A processor's DetectorScore for one input record of `sourceTopic`. */
export function detectorScore(
  input: ScoredInput,
  sourceTopic: string,
  detector: Detector,
  modelVersion: string,
  signals: Signal[],
): DetectorScore {
  return {
    sessionId: input.sessionId,
    examId: input.examId,
    candidateId: input.candidateId,
    sourceTopic,
    sourceSeq: input.seq,
    captureTime: input.captureTime,
    processedTime: Date.now(),
    detector,
    modelVersion,
    signals,
  };
}

/** A signal with its score clamped to 0-1; details default to none. */
export function signal(name: string, score: number, details: Partial<Omit<Signal, 'name' | 'score'>> = {}): Signal {
  return {
    name,
    score: Math.min(1, Math.max(0, score)),
    measurements: details.measurements ?? {},
    labels: details.labels ?? [],
    boxes: details.boxes ?? [],
  };
}
