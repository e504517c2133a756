import { createLogger, createMetricsRegistry, runMain, stopOnSignals } from '@proctoflex/core';
import { loadIngestConfig } from '../config.ts';
import { Gateway } from '../gateway.ts';

/**
 * `npm run ingest`: one gateway process. Run several behind a load balancer to scale out.
 * SIGTERM or SIGINT: drain (refuse new clients, acknowledge what was read), exit 0.
 */
runMain('ingest', async () => {
  const config = loadIngestConfig();
  const logger = createLogger('ingest', config.LOG_LEVEL);
  const gateway = new Gateway(config, logger, createMetricsRegistry('ingest'));
  stopOnSignals(logger, config.INGEST_SHUTDOWN_TIMEOUT_MS, () => gateway.stop());
  await gateway.start();
});
