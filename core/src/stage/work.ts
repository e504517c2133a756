import { Counter } from 'prom-client';

/**
 * Where a stage's time goes, by phase: `avro-decode` (the runner reading records), `jpeg-decode`,
 * `image-prep` (crops, turns, resizes into a model's input) and `model:<name>` (ONNX Runtime).
 * The runner adds it to each stage's registry beside stage_handler_seconds and
 * stage_commit_seconds; bench:e2e divides it by the records in. Wall time: work that runs
 * concurrently (a batch's JPEGs decoding on libuv's threads) counts once, for the whole batch.
 */
export const workSeconds = new Counter({
  name: 'stage_work_seconds_total',
  help: 'Wall time spent in each phase of the work (avro-decode, jpeg-decode, image-prep, model:<name>).',
  labelNames: ['phase'],
  registers: [],
});

/** Runs `work`, adding its wall time to `phase`. */
export async function timed<T>(phase: string, work: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    workSeconds.inc({ phase }, (performance.now() - started) / 1000);
  }
}
