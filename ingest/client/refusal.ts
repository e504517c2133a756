import { ProctoFlexError } from '@proctoflex/core/client';

/** What the gateway says when it refuses (HTTP body, or a `refused` stream message). */
export interface RefusalBody {
  error: string;
  message: string;
  retriable: boolean;
  retryAfterMs?: number;
}

/** The gateway refused a batch or request, or the connection closed before its ack. */
export class IngestClientError extends ProctoFlexError {
  constructor(
    readonly reason: string,
    message: string,
    readonly status: number | null,
    /** Sending the same batch again later may succeed. */
    retriable: boolean,
    /** For rate_limited: when the session may send again. */
    readonly retryAfterMs?: number,
  ) {
    super(`${reason}: ${message}`, { retriable });
  }
}

export function clientErrorOf(body: RefusalBody, status: number | null): IngestClientError {
  return new IngestClientError(body.error, body.message, status, body.retriable, body.retryAfterMs);
}

export function parseRefusal(text: string): RefusalBody {
  try {
    return JSON.parse(text) as RefusalBody;
  } catch {
    return { error: 'http_error', message: text, retriable: false };
  }
}

export async function errorOf(response: Response): Promise<IngestClientError> {
  return clientErrorOf(parseRefusal(await response.text()), response.status);
}
