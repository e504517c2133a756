import { ConfigError } from './errors.ts';

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
