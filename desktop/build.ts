import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { build as bundle, type BuildOptions } from 'esbuild';
import { build as buildRenderer } from 'vite';
import { repoPath } from '@proctoflex/core';

/**
 * Builds the Electron app into `outDir`: main.cjs and preload.cjs (esbuild, Electron itself left
 * out) and renderer/ (Vite). The main process imports only core's client entry, whose contracts
 * are built in: the bundle reads no file of the repository. `npm run desktop` runs it; so do the tests.
 */
export async function buildDesktop(outDir = repoPath('desktop/dist')): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    logLevel: 'warning',
    define: { 'import.meta.dirname': '__dirname' },
  };
  await Promise.all([
    bundle({
      ...common,
      entryPoints: [repoPath('desktop/src/main.ts')],
      outfile: path.join(outDir, 'main.cjs'),
    }),
    bundle({ ...common, entryPoints: [repoPath('desktop/src/preload.ts')], outfile: path.join(outDir, 'preload.cjs') }),
    buildRenderer({
      configFile: repoPath('desktop/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: path.join(outDir, 'renderer') },
    }),
  ]);
  return outDir;
}
