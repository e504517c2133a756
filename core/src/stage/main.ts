import { loadConfig, servicesSpec } from '../config.ts';
import { createLogger } from '../logger.ts';
import { runMain, stopOnSignals } from '../main.ts';
import { createMetricsRegistry } from '../metrics.ts';
import { stageRunnerSpec } from './config.ts';
import type { PipelineStage } from './definition.ts';
import { StageRunner } from './runner.ts';

/**
 * The main of a stage binary: runs one instance of the stage named by the first argument, one of
 * `stages`. Its variables, the runner's and the services' are validated together, once.
 * SIGTERM or SIGINT: finish and commit the batch in flight, leave the group, exit 0.
 */
export function runStageProcess(binary: string, stages: readonly PipelineStage[]): void {
  runMain('stage', async () => {
    const name = process.argv[2];
    const stage = stages.find((candidate) => candidate.name === name);
    if (!stage) throw new Error(`usage: ${binary} <name>; stages: ${stages.map((each) => each.name).join(', ')}`);
    const config = loadConfig({ ...servicesSpec, ...stageRunnerSpec, ...stage.spec }, undefined, [
      'STAGE_',
      ...(stage.variablePrefix ? [stage.variablePrefix] : []),
    ]);
    const definition = { ...stage.create(config), name: config.STAGE_NAME || stage.name };
    const logger = createLogger(`stage.${definition.name}`, config.LOG_LEVEL);
    const runner = new StageRunner(definition, config, logger, createMetricsRegistry(definition.name));
    stopOnSignals(logger, config.STAGE_SHUTDOWN_TIMEOUT_MS, () => runner.stop());
    runner.failed.catch(() => process.exit(1));
    await runner.start();
  });
}
