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
