import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout, one logger per process, named after its component. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, timestamp: pino.stdTimeFunctions.isoTime });
}
