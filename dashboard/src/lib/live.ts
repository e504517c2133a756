import { followServerSentEvents, type ServerSentEvent, type StreamState } from '@proctoflex/core/client';
import { accessToken, refreshTokens } from './api.ts';

export type LiveState = StreamState;
export type LiveEvent = ServerSentEvent;

/**
 * `GET /api/live` (of one exam when `examId` is given) read with fetch (EventSource cannot send
 * the Authorization header), events handed to `onEvent`; followed again after a drop, with a
 * refreshed token once it expired. Returns `close`.
 */
export function connectLive(
  onEvent: (event: LiveEvent) => void,
  onState: (state: LiveState) => void,
  examId?: string,
): () => void {
  const controller = new AbortController();
  const url = examId ? `/api/live?examId=${encodeURIComponent(examId)}` : '/api/live';
  void followServerSentEvents({
    open: async () => {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${accessToken()}` },
        signal: controller.signal,
      });
      if (response.status === 401) await refreshTokens();
      return response;
    },
    onEvent,
    onState,
    signal: controller.signal,
  });
  return () => controller.abort();
}
