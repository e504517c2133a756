import type { DetectorScore } from '@proctoflex/core';

/** A row of the `signals` table (infra/clickhouse/migrations): times as UTC seconds plus milliseconds. */
export interface SignalRow {
  readonly capture_date: string;
  readonly capture_time: number;
  readonly capture_ms: number;
  readonly processed_time: number;
  readonly processed_ms: number;
  readonly exam_id: string;
  readonly session_id: string;
  readonly candidate_id: string;
  readonly detector: string;
  readonly signal: string;
  readonly score: number;
  readonly source_topic: string;
  readonly source_seq: number;
  readonly model_version: string;
  readonly labels: string[];
  readonly measurement_names: string[];
  readonly measurement_values: number[];
}

const seconds = (epochMs: number) => Math.floor(epochMs / 1000);

/** One row per signal of a detector score, present or not (absence is data too). */
export function signalRows(score: DetectorScore): SignalRow[] {
  return score.signals.map((signal) => {
    const measurements = Object.entries(signal.measurements);
    return {
      capture_date: new Date(score.captureTime).toISOString().slice(0, 10),
      capture_time: seconds(score.captureTime),
      capture_ms: score.captureTime % 1000,
      processed_time: seconds(score.processedTime),
      processed_ms: score.processedTime % 1000,
      exam_id: score.examId,
      session_id: score.sessionId,
      candidate_id: score.candidateId,
      detector: score.detector,
      signal: signal.name,
      score: signal.score,
      source_topic: score.sourceTopic,
      source_seq: score.sourceSeq,
      model_version: score.modelVersion,
      labels: signal.labels,
      measurement_names: measurements.map(([name]) => name),
      measurement_values: measurements.map(([, value]) => value),
    };
  });
}
