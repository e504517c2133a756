import assert from 'node:assert/strict';
import test from 'node:test';
import { AcknowledgedSeqs } from './acknowledged.ts';

test('the highest acknowledged seq per session, never lowered; idle sessions are forgotten', () => {
  let now = 0;
  const seqs = new AcknowledgedSeqs(() => now);
  assert.equal(seqs.highest('a'), -1);
  seqs.acknowledge('a', 10);
  seqs.acknowledge('a', 4);
  seqs.acknowledge('b', 2);
  assert.deepEqual([seqs.highest('a'), seqs.highest('b')], [10, 2]);
  now = 30 * 60_000;
  seqs.acknowledge('b', 3);
  now = 61 * 60_000;
  seqs.sweep();
  assert.deepEqual([seqs.highest('a'), seqs.highest('b')], [-1, 3]);
});
