import { appPolicyStage } from '@proctoflex/app-policy';
import { loadConfig, type PipelineStage } from '@proctoflex/core';
import { faceStage } from '@proctoflex/face';
import { objectStage } from '@proctoflex/object';
import { riskStage } from '@proctoflex/risk';
import { clickHouseSinkStage } from '@proctoflex/sink-clickhouse';
import { evidenceSinkStage } from '@proctoflex/sink-evidence';
import { alertsSinkStage } from '@proctoflex/sink-postgres';
import { voiceStage } from '@proctoflex/voice';

/** The processors: the stages that score the candidates' records (DetectorScore). */
export const processorStages: readonly PipelineStage[] = [faceStage, objectStage, voiceStage, appPolicyStage];

/**
 * Every stage of the pipeline, in the order data flows: the processors, the risk stage, the
 * sinks. The stage binary (`npm run stage -- <name>`), the local supervisor and the test
 * pipeline all run what this lists, and the configuration reference is generated from it.
 */
export const pipelineStages: readonly PipelineStage[] = [
  ...processorStages,
  riskStage,
  alertsSinkStage,
  clickHouseSinkStage,
  evidenceSinkStage,
];

export function stageNamed(name: string): PipelineStage {
  const stage = pipelineStages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`no stage ${name}; stages: ${pipelineStages.map((each) => each.name).join(', ')}`);
  return stage;
}

/**
 * What stage `name` consumes and writes when `env` names its topics: read from its own
 * definition, so nothing re-states which stage reads what. Building a definition loads nothing
 * (models and clients open when the stage starts).
 */
export function stageTopics(name: string, env: Record<string, string> = {}) {
  const stage = stageNamed(name);
  const { inputs, outputs } = stage.create(loadConfig(stage.spec, env));
  return { inputs, outputs: outputs.map(({ topic }) => topic) };
}
