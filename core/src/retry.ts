import { setTimeout } from 'node:timers/promises';

/**
 * Whether an error is worth retrying: ours and KafkaJS's carry `retriable`; when KafkaJS's own
 * retries run out it throws KafkaJSNumberOfRetriesExceeded with the retriable error as `cause`.
 * Anything else (TypeError, bad data) is not.
 */
export function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { retriable, name, cause } = error as { retriable?: unknown; name?: unknown; cause?: unknown };
  return retriable === true || (name === 'KafkaJSNumberOfRetriesExceeded' && isRetriable(cause));
}

/**
 * Whether a database client's error is the connection's (refused, reset, timed out), not the
 * data's: sinks turn these into ServiceUnavailableError so that the batch is retried.
 */
export function isConnectionFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code)) ||
    (typeof message === 'string' && /timeout|socket hang up/i.test(message))
  );
}

/** Whether PostgreSQL is away (connection class 08, 57P0x shutdowns, sockets), so the batch is retried. */
export function isPostgresUnavailable(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return (typeof code === 'string' && /^(08|57P)/.test(code)) || isConnectionFailure(error);
}

/**
 * Runs `operation` until it succeeds, waiting 100 ms, 200 ms, … up to 5 s between attempts while
 * `shouldRetry` accepts its errors; any other error is thrown at once.
 */
export async function retryWhile<T>(
  operation: () => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!shouldRetry(error)) throw error;
      const delayMs = Math.min(5000, 100 * 2 ** (attempt - 1));
      onRetry(error, attempt, delayMs);
      await setTimeout(delayMs);
    }
  }
}
