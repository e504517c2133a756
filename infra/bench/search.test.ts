import assert from 'node:assert/strict';
import test from 'node:test';
import { nextStep } from './search.ts';

/** Runs the search against a machine that handles up to `capacity` candidates; returns the steps tried. */
function search(capacity: number, first: number): number[] {
  const results: { candidates: number; passed: boolean }[] = [];
  for (let step = nextStep(results, first); step !== null; step = nextStep(results, first))
    results.push({ candidates: step, passed: step <= capacity });
  return results.map(({ candidates }) => candidates);
}

test('the search doubles until a step fails, then narrows the gap to 10 % or 2 candidates', () => {
  assert.deepEqual(search(17, 10), [10, 20, 15, 17, 18]);
  assert.deepEqual(search(100, 10), [10, 20, 40, 80, 160, 120, 100, 110]);
  // Not even the first step passes: halve down.
  assert.deepEqual(search(3, 10), [10, 5, 2, 3]);
});

test('nothing passes at all: the search ends at one candidate', () => {
  assert.deepEqual(search(0, 4), [4, 2, 1]);
});
