import { createLogger, createMetricsRegistry, runMain } from '@proctoflex/core';
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
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'draining');
    globalThis
      .setTimeout(() => {
        logger.fatal({ timeoutMs: config.INGEST_SHUTDOWN_TIMEOUT_MS }, 'drain timed out');
        process.exit(1);
      }, config.INGEST_SHUTDOWN_TIMEOUT_MS)
      .unref();
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await gateway.start();
});
