import type { StageDefinition } from './stage/definition.ts';

/**
 * Every stage a process can run, by name (`npm run stage -- <name>`). Loaders import on demand,
 * so a process loads only the code (and models) of the stage it runs.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each stage has its own state type
export const stages: Record<string, () => Promise<StageDefinition<any>>> = {
  // Processors and sinks each depend on core, so core reaches them only when asked to run one.
  face: async () => (await import('@proctoflex/face')).faceStage(),
  object: async () => (await import('@proctoflex/object')).objectStage(),
  voice: async () => (await import('@proctoflex/voice')).voiceStage(),
  'app-policy': async () => (await import('@proctoflex/app-policy')).appPolicyStage(),
  risk: async () => (await import('@proctoflex/risk')).riskStage(),
  // Sinks (sinks/*).
  'alerts-sink': async () => (await import('@proctoflex/sink-postgres')).alertsSinkStage(),
  'clickhouse-sink': async () => (await import('@proctoflex/sink-clickhouse')).clickHouseSinkStage(),
  'evidence-sink': async () => (await import('@proctoflex/sink-evidence')).evidenceSinkStage(),
  // Fixtures of the runtime's own tests and benchmark (core/src/testing/stages.ts).
  'fixture-copy': async () => (await import('./testing/stages.ts')).copyStage(),
  'fixture-count': async () => (await import('./testing/stages.ts')).countStage(),
  'fixture-lookup': async () => (await import('./testing/stages.ts')).lookupStage(),
};
