import assert from 'node:assert/strict';
import test from 'node:test';
import { throttled } from './src/lib/throttle.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a quiet list is re-read at once; a burst of events re-reads it once more, a window later', async () => {
  const runs: number[] = [];
  const started = Date.now();
  const reload = throttled(() => Promise.resolve(void runs.push(Date.now() - started)), 200);
  reload.soon();
  await pause(20);
  assert.equal(runs.length, 1, 'the first event runs at once');
  for (let event = 0; event < 10; event += 1) reload.soon();
  await pause(50);
  assert.equal(runs.length, 1, 'events within the window wait');
  await pause(250);
  assert.equal(runs.length, 2, 'the burst ran once');
  assert.ok(runs[1]! >= 200, `the second run came a window after the first (${runs[1]} ms)`);
  reload.soon();
  reload.cancel();
  await pause(250);
  assert.equal(runs.length, 2, 'a cancelled run does not happen');
});
