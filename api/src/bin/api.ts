import { createLogger, createMetricsRegistry, runMain, stopOnSignals } from '@proctoflex/core';
import { loadApiConfig } from '../config.ts';
import { ApiServer } from '../server.ts';

/** `npm run api`: one API process; run several behind a load balancer to scale out. */
runMain('api', async () => {
  const config = loadApiConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  const server = new ApiServer(config, logger, createMetricsRegistry('api'));
  stopOnSignals(logger, 15_000, () => server.stop());
  await server.start();
});
