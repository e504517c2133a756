import assert from 'node:assert/strict';
import test from 'node:test';
import type { Thumbnail } from '@proctoflex/core';
import { maxThumbnailBytes, ThumbnailCache } from './thumbnails.ts';

const thumbnail = (sessionId: string, captureTime: number, bytes = 1000, examId = 'exam-1'): Thumbnail => ({
  sessionId,
  examId,
  captureTime,
  width: 160,
  height: 120,
  jpeg: Buffer.alloc(bytes, captureTime % 256),
});

test('keeps the newest thumbnail per session; a replayed older one changes nothing', () => {
  const cache = new ThumbnailCache(10_000);
  cache.put(thumbnail('a', 2000), 10);
  cache.put(thumbnail('a', 1000), 20);
  cache.put(thumbnail('b', 1500), 30);
  assert.deepEqual(
    cache
      .receivedSince('exam-1', ['a', 'b', 'unknown'], 0)
      .map(({ sessionId, captureTime }) => [sessionId, captureTime]),
    [
      ['a', 2000],
      ['b', 1500],
    ],
  );
  assert.deepEqual(cache.size, { sessions: 2, bytes: 2000 });
  assert.deepEqual(
    cache.receivedSince('exam-1', ['a', 'b'], 10).map(({ sessionId }) => sessionId),
    ['b'],
    'only those received since (the replay of a did not count)',
  );
});

test("another exam's sessions are never answered, even when asked for by id", () => {
  const cache = new ThumbnailCache(10_000);
  cache.put(thumbnail('a', 1000, 100, 'exam-2'));
  assert.deepEqual(cache.receivedSince('exam-1', ['a'], 0), []);
});

test('bounded by bytes: the sessions updated longest ago go first; an oversized thumbnail is not kept', () => {
  const cache = new ThumbnailCache(3000);
  cache.put(thumbnail('a', 1000));
  cache.put(thumbnail('b', 1000));
  cache.put(thumbnail('c', 1000));
  cache.put(thumbnail('a', 2000)); // a is now the most recently updated
  cache.put(thumbnail('d', 1000)); // over: b goes
  assert.deepEqual(
    cache.receivedSince('exam-1', ['a', 'b', 'c', 'd'], 0).map(({ sessionId }) => sessionId),
    ['a', 'c', 'd'],
  );
  assert.deepEqual(cache.size, { sessions: 3, bytes: 3000 });
  cache.put(thumbnail('e', 3000, maxThumbnailBytes + 1));
  assert.deepEqual(cache.size, { sessions: 3, bytes: 3000 });
  for (let index = 0; index < 1000; index += 1) cache.put(thumbnail(`s${index}`, 5000 + index, 700));
  assert.ok(cache.size.bytes <= 3000 && cache.size.sessions === 4, JSON.stringify(cache.size));
});
