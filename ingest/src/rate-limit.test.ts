import assert from 'node:assert/strict';
import test from 'node:test';
import { SessionRateLimiter } from './rate-limit.ts';

test('a session may burst, then sends at its rate; sessions are limited apart', () => {
  let now = 0;
  const limiter = new SessionRateLimiter(2, 10, () => now);
  assert.deepEqual(limiter.take('a', 10), { allowed: true });
  assert.deepEqual(limiter.take('a', 1), { allowed: false, retryAfterMs: 500 });
  assert.deepEqual(limiter.take('b', 4), { allowed: true }, 'another session has its own bucket');
  now = 1500; // 3 tokens back
  assert.deepEqual(limiter.take('a', 3), { allowed: true });
  assert.deepEqual(limiter.take('a', 2), { allowed: false, retryAfterMs: 1000 });
});

test('buckets that refilled are forgotten', () => {
  let now = 0;
  const limiter = new SessionRateLimiter(2, 10, () => now);
  limiter.take('a', 5);
  limiter.take('b', 1);
  now = 2600; // 'a' is full again after 2.5 s, so is 'b'
  limiter.take('b', 10);
  limiter.sweep();
  assert.equal(limiter.trackedSessions, 1);
});
