import type { Message } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { InputRecord } from './definition.ts';
import { workSeconds } from './work.ts';

/** The metrics every stage exposes on /metrics; names are shared by the monitoring rules. */
export function createStageMetrics(registry: Registry) {
  const registers = [registry];
  if (!registry.getSingleMetric('stage_work_seconds_total')) registry.registerMetric(workSeconds);
  return {
    recordsIn: new Counter({
      name: 'stage_records_in_total',
      help: 'Input records consumed, by topic.',
      labelNames: ['topic'],
      registers,
    }),
    recordsOut: new Counter({
      name: 'stage_records_out_total',
      help: 'Records emitted and committed, by topic.',
      labelNames: ['topic'],
      registers,
    }),
    erasedRecords: new Counter({
      name: 'stage_erased_records_total',
      help: 'Input records of erased sessions, dropped unprocessed, by topic.',
      labelNames: ['topic'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'stage_dead_letters_total',
      help: 'Input records sent to the dead-letter topic, by source topic and error type.',
      labelNames: ['topic', 'error_type'],
      registers,
    }),
    batchRecords: new Histogram({
      name: 'stage_batch_records',
      help: 'Input records per committed batch.',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    handlerSeconds: new Histogram({
      name: 'stage_handler_seconds',
      help: 'Time the stage handler took per call.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'stage_commit_seconds',
      help: 'Time to produce a batch and commit it (transaction or offset commit).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'stage_end_to_end_latency_seconds',
      help: "From an input record's captureTime to the commit of its outputs.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'stage_consumer_lag',
      help: 'Records behind the end of each input partition, as of the last fetched batch.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    retries: new Counter({
      name: 'stage_retries_total',
      help: 'Retries after retriable errors (broker, registry or database unavailable), by operation.',
      labelNames: ['operation'],
      registers,
    }),
    rebalances: new Counter({
      name: 'stage_rebalances_total',
      help: 'Consumer group rebalances this instance took part in.',
      registers,
    }),
    assignedPartitions: new Gauge({
      name: 'stage_assigned_partitions',
      help: 'Input partitions currently assigned to this instance.',
      registers,
    }),
  };
}

export type StageMetrics = ReturnType<typeof createStageMetrics>;

/** Counts what a commit made final: outputs by topic, capture-to-commit time of its inputs, dead letters. */
export function observeCommitted(
  metrics: StageMetrics,
  inputs: readonly InputRecord[],
  outputsByTopic: ReadonlyMap<string, readonly Message[]>,
  deadLetters: readonly Message[],
): void {
  for (const [topic, messages] of outputsByTopic) metrics.recordsOut.inc({ topic }, messages.length);
  const now = Date.now();
  for (const { value } of inputs) {
    const captureTime = (value as { captureTime?: unknown }).captureTime;
    if (typeof captureTime === 'number') metrics.endToEndSeconds.observe((now - captureTime) / 1000);
  }
  for (const deadLetter of deadLetters) {
    const { sourceTopic, errorType } = deadLetter.headers as unknown as { sourceTopic: string; errorType: string };
    metrics.deadLetters.inc({ topic: sourceTopic, error_type: errorType });
  }
}
