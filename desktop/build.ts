import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { build as bundle, type BuildOptions, type Plugin } from 'esbuild';
import { build as buildRenderer } from 'vite';
import { repoPath } from '@proctoflex/core';

/**
 * In the app, files the repository keeps at its root (the Avro schemas) lie beside the bundle:
 * core's repoPath resolves against the bundle's directory instead.
 */
const repoPathBesideBundle: Plugin = {
  name: 'repo-path-beside-bundle',
  setup(build) {
    build.onLoad({ filter: /core[\\/]src[\\/]paths\.ts$/ }, () => ({
      loader: 'ts',
      contents: `import path from 'node:path';
        export function repoPath(relative: string): string { return path.join(__dirname, relative); }`,
    }));
  },
};

/**
 * Builds the Electron app into `outDir`: main.cjs and preload.cjs (esbuild, Electron itself left
 * out), renderer/ (Vite) and schemas/avro. `npm run desktop` runs it; so do the tests.
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
      // pg's optional native binding is never used here.
      external: ['electron', 'pg-native'],
      plugins: [repoPathBesideBundle],
    }),
    bundle({ ...common, entryPoints: [repoPath('desktop/src/preload.ts')], outfile: path.join(outDir, 'preload.cjs') }),
    buildRenderer({
      configFile: repoPath('desktop/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: path.join(outDir, 'renderer') },
    }),
    cp(repoPath('schemas/avro'), path.join(outDir, 'schemas/avro'), { recursive: true }),
  ]);
  return outDir;
}
