import { setTimeout } from 'node:timers/promises';
import { ClickHouseError } from '@clickhouse/client';
import pg from 'pg';

/**
 * ClickHouse error codes that say the server is overloaded or away, not that the rows are bad:
 * the batch waits and is sent again. Every other code (a row of the wrong shape, a type
 * mismatch, a syntax error) is the data's.
 */
const clickHouseBusyCodes = new Set([
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);

/**
 * The ClickHouse error code of a server error. Servers from 22.x name the error type, which the
 * client parses into ClickHouseError; older ones (Debian's 18.16) only start the message with it.
 */
function clickHouseCodeOf(error: object): number | undefined {
  if (error instanceof ClickHouseError) return Number(error.code);
  const { message } = error as { message?: unknown };
  const code = typeof message === 'string' ? /^Code: (\d+)[.,]/.exec(message)?.[1] : undefined;
  return code === undefined ? undefined : Number(code);
}

/** PostgreSQL SQLSTATE classes worth a retry: connection (08), transaction rollback (40), resources (53), shutdown (57P). */
const postgresBusyState = /^(08|40|53|57P)/;

/** A socket that could not connect, was cut or timed out, whichever client it belonged to. */
const socketFailureCode = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/;

/**
 * Whether trying the same work again later may succeed, decided here once for every error the
 * pipeline meets: ours carry `retriable`; KafkaJS's carry it too (its retries exhausted, the
 * cause decides); PostgreSQL by SQLSTATE class; ClickHouse by error code; a failed socket or a
 * timeout from any client is retriable. Anything else (bad data, a bug) is not: the runner
 * isolates and dead-letters the records that cause it.
 */
export function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { retriable, name, cause, code, message } = error as {
    retriable?: unknown;
    name?: unknown;
    cause?: unknown;
    code?: unknown;
    message?: unknown;
  };
  if (typeof retriable === 'boolean') {
    return retriable || (name === 'KafkaJSNumberOfRetriesExceeded' && isRetriable(cause));
  }
  if (error instanceof pg.DatabaseError) return postgresBusyState.test(error.code ?? '');
  const clickHouseCode = clickHouseCodeOf(error);
  if (clickHouseCode !== undefined) return clickHouseBusyCodes.has(clickHouseCode);
  if (typeof code === 'string' && socketFailureCode.test(code)) return true;
  // pg's "Connection terminated", HTTP clients' timeouts and hang-ups, fetch's "fetch failed" (its cause tells).
  if (typeof message === 'string' && /timeout|timed out|socket hang up|Connection terminated/i.test(message))
    return true;
  return cause !== undefined && cause !== error && isRetriable(cause);
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
