/** `npm run build:desktop`: the Electron app in desktop/dist, ready for `electron desktop` or electron-builder. */
import { runMain } from '@proctoflex/core';
import { buildDesktop } from '../build.ts';

runMain('build:desktop', async () => {
  console.log(`desktop app built in ${await buildDesktop()}`);
});
