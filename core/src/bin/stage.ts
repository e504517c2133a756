import { loadConfig, servicesSpec } from '../config.ts';
import { createLogger } from '../logger.ts';
import { runMain, stopOnSignals } from '../main.ts';
import { createMetricsRegistry } from '../metrics.ts';
import { loadStageRunnerConfig } from '../stage/config.ts';
import { StageRunner } from '../stage/runner.ts';
import { stages } from '../stages.ts';

/**
 * `npm run stage -- <name>`: runs one instance of a stage. Start more processes of the same
 * stage (each with its own STAGE_INSTANCE_ID and STAGE_HTTP_PORT) to share its partitions.
 * SIGTERM or SIGINT: finish and commit the batch in flight, leave the group, exit 0.
 */
runMain('stage', async () => {
  const name = process.argv[2];
  const load = name ? stages[name] : undefined;
  if (!load) throw new Error(`usage: npm run stage -- <name>; stages: ${Object.keys(stages).join(', ')}`);
  const services = loadConfig(servicesSpec);
  const loaded = await load();
  const runnerConfig = loadStageRunnerConfig(undefined, loaded.batchMaxRecords);
  const definition = { ...loaded, name: runnerConfig.STAGE_NAME || loaded.name };
  const logger = createLogger(`stage.${definition.name}`, services.LOG_LEVEL);
  const runner = new StageRunner(
    definition,
    { services, runner: runnerConfig },
    logger,
    createMetricsRegistry(definition.name),
  );

  stopOnSignals(logger, runnerConfig.STAGE_SHUTDOWN_TIMEOUT_MS, () => runner.stop());
  runner.failed.catch(() => process.exit(1));
  await runner.start();
});
