import path from 'node:path';
import { loadConfig, parsers, repoPath, servicesSpec, variable } from '@proctoflex/core';

/** infra/up and infra/down: the service addresses plus where local services keep their files. */
export const infraSpec = {
  ...servicesSpec,
  SERVICES_DIR: variable(
    parsers.text.transform((dir) => path.resolve(dir)),
    'Where locally started services keep data, logs and pid files.',
    repoPath('.services'),
  ),
};

export const loadInfraConfig = () => loadConfig(infraSpec);
export type InfraConfig = ReturnType<typeof loadInfraConfig>;
