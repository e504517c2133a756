import { chromium, type Browser } from 'playwright-core';
import { ensureCommand } from './lib.ts';

/** Debian's Chromium, headless, with `args`; installed first when missing. Root needs --no-sandbox. */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  await ensureCommand('chromium', ['chromium']);
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', ...args] });
}
