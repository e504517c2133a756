import { runMain } from '@proctoflex/core';
import { loadInfraConfig } from './config.ts';
import { progress } from './lib.ts';
import { stopPipeline } from './local-pipeline.ts';
import { servicesOf } from './services.ts';

/** Stops the pipeline npm start started, then the services (never an external one), dependants first. */
runMain('infra/down', async () => {
  const config = loadInfraConfig();
  await stopPipeline(config);
  const { postgres, kafka, registry, clickhouse } = servicesOf(config);
  for (const [name, service] of Object.entries({ registry, kafka, clickhouse, postgres })) {
    progress(name, (await service.down()) ? 'stopped' : 'was not running');
  }
});
