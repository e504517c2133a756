import assert from 'node:assert/strict';
import test from 'node:test';
import { readServerSentEvents, type ServerSentEvent } from './sse.ts';

function bodyOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

test('events split anywhere across chunks, even inside a character, arrive whole; comments are skipped', async () => {
  const text =
    'event: ready\ndata: {"exams":"all"}\n\n: keep-alive\n\nevent: alert\ndata: {"id":"é-1"}\n\nevent: risk\n';
  const bytes = new TextEncoder().encode(text);
  const accent = bytes.indexOf(0xc3);
  const chunks = [bytes.subarray(0, 10), bytes.subarray(10, accent + 1), bytes.subarray(accent + 1)];
  const events: ServerSentEvent[] = [];
  await readServerSentEvents(bodyOf(chunks), (event) => events.push(event));
  assert.deepEqual(events, [
    { type: 'ready', data: { exams: 'all' } },
    { type: 'alert', data: { id: 'é-1' } },
  ]);
});
