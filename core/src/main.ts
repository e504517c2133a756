import { ConfigError } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * Runs a process's entry point. A configuration problem prints only its message (it names the
 * variables to fix); anything else prints the error with its stack. Either way the process exits 1.
 */
export function runMain(processName: string, main: () => Promise<void>): void {
  // Through a promise, so that an error thrown before main's first await is handled the same way.
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      console.error(
        error instanceof ConfigError ? `${processName}: ${error.message}` : `${processName} failed:`,
        ...(error instanceof ConfigError ? [] : [error]),
      );
      process.exit(1);
    });
}

/**
 * On SIGTERM or SIGINT (or the parent's IPC channel closing): `stop()`, then exit 0; exit 1 when it fails or takes longer than
 * `timeoutMs` (the orchestrator would kill the process anyway).
 */
export function stopOnSignals(logger: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping');
    globalThis
      .setTimeout(() => {
        logger.fatal({ timeoutMs }, 'shutdown timed out');
        process.exit(1);
      }, timeoutMs)
      .unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Started with an IPC channel (by a test): when the parent goes, whether it exited or was
  // killed for a timeout, so does this process, never left spinning on its own.
  if (process.send) process.once('disconnect', () => shutdown('parent gone'));
}
