/**
 * `npm run desktop`: builds the app and starts it in Electron. Electron downloads its binary
 * from GitHub on first use; where that cannot be reached, this says so and how to provide one.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { repoPath, runMain } from '@proctoflex/core';
import { buildDesktop } from '../build.ts';
import { loadDesktopConfig } from '../src/config.ts';

runMain('desktop', async () => {
  // Checked here too, so that a wrong variable is named before Electron starts.
  loadDesktopConfig();
  await buildDesktop();
  let electron: string;
  try {
    electron = createRequire(import.meta.url)('electron') as string;
  } catch (error) {
    throw new Error(
      `no Electron binary (${error instanceof Error ? error.message : String(error)}). Electron fetches it from ` +
        'GitHub on first run; without access there, unpack an Electron release for this platform and set ' +
        'ELECTRON_OVERRIDE_DIST_PATH to its directory.',
      { cause: error },
    );
  }
  const app = spawn(electron, [repoPath('desktop')], { stdio: 'inherit' });
  app.on('exit', (code) => process.exit(code ?? 1));
});
