import { availableParallelism } from 'node:os';
import { loadConfig, parsers, variable, type ConfigOf } from '@proctoflex/core';
import { inferenceSpec } from '@proctoflex/inference';

/** The detection evaluation: one process, so its models take every core unless told otherwise. */
export const evaluationSpec = {
  ...inferenceSpec,
  INFERENCE_THREADS: variable(
    parsers.positiveInt,
    'Threads one model invocation may use (intra-op); the evaluation is one process, so every core by default.',
    String(availableParallelism()),
    'the number of cores',
  ),
};

export type EvaluationConfig = ConfigOf<typeof evaluationSpec>;
export const loadEvaluationConfig = () => loadConfig(evaluationSpec, process.env, ['INFERENCE_']);
