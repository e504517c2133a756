import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parsers, variable } from './config.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of a file in the repository, given relative to its root. */
export function repoPath(relative: string): string {
  return path.join(repoRoot, relative);
}

/** Where `npm start` keeps the services it runs itself (infra/up, and tests that pause one). */
export const localServicesSpec = {
  SERVICES_DIR: variable(
    parsers.text.transform((dir) => path.resolve(dir)),
    'Where locally started services keep data, logs and pid files.',
    repoPath('.services'),
  ),
};
