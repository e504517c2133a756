import { readServerSentEvents, type ServerSentEvent } from '@proctoflex/core/client';
import { accessToken, refreshTokens } from './api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';
export type LiveEvent = ServerSentEvent;

/**
 * `GET /api/live` (of one exam when `examId` is given) read with fetch (EventSource cannot send
 * the Authorization header), events handed to `onEvent`; reconnects after a drop, refreshing an
 * expired token. Returns `close`.
 */
export function connectLive(
  onEvent: (event: LiveEvent) => void,
  onState: (state: LiveState) => void,
  examId?: string,
): () => void {
  const controller = new AbortController();
  void (async () => {
    for (let attempt = 0; !controller.signal.aborted; attempt += 1) {
      onState(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        const response = await fetch(examId ? `/api/live?examId=${encodeURIComponent(examId)}` : '/api/live', {
          headers: { authorization: `Bearer ${accessToken()}` },
          signal: controller.signal,
        });
        if (response.status === 401) await refreshTokens();
        if (response.ok && response.body) {
          onState('live');
          attempt = 0;
          await readServerSentEvents(response.body, onEvent);
        }
      } catch {
        // A dropped connection: tried again below.
      }
      if (!controller.signal.aborted)
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 15_000)));
    }
  })();
  return () => controller.abort();
}
