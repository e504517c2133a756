import { runMain } from '@proctoflex/core';
import { loadInfraConfig } from './config.ts';
import { progress } from './lib.ts';
import { servicesOf } from './services.ts';

/** Stops the services infra/up started (never an external one), dependants first. */
runMain('infra/down', async () => {
  const { postgres, kafka, registry, clickhouse } = servicesOf(loadInfraConfig());
  for (const [name, service] of Object.entries({ registry, kafka, clickhouse, postgres })) {
    progress(name, (await service.down()) ? 'stopped' : 'was not running');
  }
});
