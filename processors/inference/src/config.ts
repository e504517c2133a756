import { loadConfig, parsers, variable, type ConfigOf } from '@proctoflex/core';
import { z } from 'zod';

/** How models run; the same code runs on CPU everywhere and on CUDA where it is installed. */
export const inferenceSpec = {
  INFERENCE_EXECUTION_PROVIDER: variable(
    z.enum(['cpu', 'cuda']),
    'cpu, or cuda on a host with an NVIDIA GPU and the CUDA 12 execution provider of onnxruntime-node.',
    'cpu',
  ),
  INFERENCE_THREADS: variable(parsers.positiveInt, 'Threads one model invocation may use (intra-op).', '1'),
};

export type InferenceConfig = ConfigOf<typeof inferenceSpec>;
export const loadInferenceConfig = (env?: NodeJS.ProcessEnv) => loadConfig(inferenceSpec, env);
