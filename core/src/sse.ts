/** One Server-Sent Event: its `event:` type and its `data:` read as JSON. */
export interface ServerSentEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * Reads a `text/event-stream` body as it arrives and hands `onEvent` each event that has a type
 * and data (comments, such as keep-alives, are skipped); resolves when the body ends. Events may
 * be split across chunks anywhere, even inside a UTF-8 character. Works in Node and in browsers.
 */
export async function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: ServerSentEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type && data) onEvent({ type, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
}

/** Where a followed stream stands: opening it the first time, reading it, or opening it again. */
export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** The first wait before a dropped stream is opened again, and the longest. */
const retryFirstMs = 1000;
const retryMaxMs = 15_000;

/**
 * Follows a Server-Sent Events stream until `signal` aborts: `open` requests it (with fresh
 * credentials each time; null: a refusal for good, following stops), its events go to `onEvent`.
 * After a drop, or an answer that is not a stream, it is opened again after a wait that doubles
 * from 1 s to 15 s, back to 1 s once a stream was read. Resolves when following stops.
 */
export async function followServerSentEvents(options: {
  open: () => Promise<Response | null>;
  onEvent: (event: ServerSentEvent) => void;
  signal: AbortSignal;
  onState?: (state: StreamState) => void;
}): Promise<void> {
  const { open, onEvent, signal, onState } = options;
  for (let attempt = 0; !signal.aborted; attempt += 1) {
    onState?.(attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      const response = await open();
      if (response === null) return;
      if (response.ok && response.body) {
        onState?.('live');
        attempt = 0;
        await readServerSentEvents(response.body, onEvent);
      }
    } catch {
      // A dropped connection or a failing server: opened again below.
    }
    if (!signal.aborted)
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryFirstMs * 2 ** attempt, retryMaxMs)));
  }
}
