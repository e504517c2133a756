/** One Server-Sent Event as `GET /api/live` sends it. */
export interface LiveMessage {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * Reads a `GET /api/live` response as it arrives, calling `onEvent` for each event with data
 * (comments, the keep-alives, are skipped), until the stream ends: the server closed it, the
 * connection broke or the request was aborted. For tests and benchmarks; browsers use EventSource.
 */
export async function readLiveStream(response: Response, onEvent: (event: LiveMessage) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response.body!) {
      buffered += decoder.decode(chunk, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) onEvent({ type, data: JSON.parse(data) as Record<string, unknown> });
      }
    }
  } catch {
    // The end of the stream, however it came: what was read is what the caller has.
  }
}
