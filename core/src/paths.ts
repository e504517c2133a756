import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of a file in the repository, given relative to its root. */
export function repoPath(relative: string): string {
  return path.join(repoRoot, relative);
}
