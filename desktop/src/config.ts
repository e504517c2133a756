import { z } from 'zod';
import { loadConfig, parsers, variable, type ConfigOf } from '@proctoflex/core/client';

const mebibyte = 1024 * 1024;

export const desktopSpec = {
  PROCTOFLEX_API_URL: variable(
    parsers.url(['http', 'https']),
    'Base URL of the ProctoFlex API the candidate signs in to (the exam centre sets it when it packages the app).',
    'http://127.0.0.1:3000',
  ),
  DESKTOP_QUEUE_MAX_BYTES: variable(
    parsers.positiveInt.pipe(z.number().min(16 * mebibyte, 'expected at least 16 MiB')),
    'Most bytes of unacknowledged records kept on disk (encrypted) while the gateway cannot be reached: about 3 MiB a minute at the standard rates.',
    String(1024 * mebibyte),
  ),
  DESKTOP_DRAIN_MS: variable(
    parsers.positiveInt,
    'How long ending the exam waits for the gateway to acknowledge the last records before it leaves the rest for the next start.',
    '60000',
  ),
};

export type DesktopConfig = ConfigOf<typeof desktopSpec>;

export function loadDesktopConfig(env: NodeJS.ProcessEnv = process.env): DesktopConfig {
  return loadConfig(desktopSpec, env, ['DESKTOP_']);
}
