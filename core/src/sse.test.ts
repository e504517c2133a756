import assert from 'node:assert/strict';
import test from 'node:test';
import { followServerSentEvents, readServerSentEvents, type ServerSentEvent } from './sse.ts';

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

test('a followed stream is opened again after a failure and after it ends, until open says stop', async () => {
  const stream = (text: string) => new Response(new TextEncoder().encode(text));
  const answers: (() => Response | null)[] = [
    () => {
      throw new Error('connection refused');
    },
    () => new Response('busy', { status: 503 }),
    () => stream('event: first\ndata: {"n":1}\n\n'),
    () => stream('event: second\ndata: {"n":2}\n\n'),
    () => null,
  ];
  const events: ServerSentEvent[] = [];
  const states: string[] = [];
  await followServerSentEvents({
    open: () => Promise.resolve(answers.shift()!()),
    onEvent: (event) => events.push(event),
    signal: new AbortController().signal,
    onState: (state) => states.push(state),
  });
  assert.deepEqual(events, [
    { type: 'first', data: { n: 1 } },
    { type: 'second', data: { n: 2 } },
  ]);
  assert.deepEqual(states, [
    'connecting',
    'reconnecting',
    'reconnecting',
    'live',
    'reconnecting',
    'live',
    'reconnecting',
  ]);
  assert.equal(answers.length, 0, 'stopped at the refusal for good');
});
