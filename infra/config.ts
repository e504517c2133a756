import { loadConfig, localServicesSpec, servicesSpec } from '@proctoflex/core';

/** infra/up and infra/down: the service addresses plus where local services keep their files. */
export const infraSpec = { ...servicesSpec, ...localServicesSpec };

export const loadInfraConfig = () => loadConfig(infraSpec);
export type InfraConfig = ReturnType<typeof loadInfraConfig>;
