import { runMain } from '@proctoflex/core';
import { loadInfraConfig } from './config.ts';
import { upServices } from './services.ts';

/** `infra/up` (npm test, benchmarks): the services only, prepared. */
runMain('infra/up', () => upServices(loadInfraConfig()));
