import assert from 'node:assert/strict';
import test from 'node:test';
import { StagedState, StateStore } from './state.ts';

test('staged writes are seen by the batch and by later chunks, and reach the store only when applied', () => {
  const store = new StateStore<number>();
  store.apply(new Map([['s1', { partition: 0, value: 5 }]]));
  const batch = new StagedState<number>(store, new Map());
  const chunk = new StagedState<number>(
    batch,
    new Map([
      ['s1', 0],
      ['s2', 3],
    ]),
  );
  chunk.set('s1', (chunk.get('s1') ?? 0) + 1);
  chunk.set('s2', 1);
  assert.equal(batch.get('s1'), 5, 'a chunk that has not succeeded yet is invisible');
  chunk.mergeInto(batch);
  assert.equal(batch.get('s1'), 6);
  assert.equal(store.get('s1'), 5, 'nothing is applied before the commit');
  store.apply(batch.changes);
  assert.deepEqual([store.get('s1'), store.get('s2')], [6, 1]);
});

test('a failed chunk leaves no trace, and deletes become tombstones', () => {
  const store = new StateStore<string>();
  store.apply(new Map([['s1', { partition: 2, value: 'kept' }]]));
  const batch = new StagedState<string>(store, new Map());
  const failed = new StagedState<string>(batch, new Map([['s1', 2]]));
  failed.set('s1', 'lost');
  const succeeded = new StagedState<string>(batch, new Map([['s1', 2]]));
  succeeded.delete('s1');
  succeeded.mergeInto(batch);
  assert.equal(batch.get('s1'), undefined);
  assert.deepEqual(batch.changelogRecords(), [{ key: 's1', partition: 2, value: null }]);
});

test('state lives in the partition of its session and changes only with one of its records', () => {
  const staged = new StagedState<{ faces: number }>(new StateStore(), new Map([['s1', 4]]));
  staged.set('s1', { faces: 2 });
  assert.deepEqual(staged.changelogRecords(), [{ key: 's1', partition: 4, value: Buffer.from('{"faces":2}') }]);
  assert.throws(
    () => staged.set('s9', { faces: 0 }),
    /session s9 can only change in a batch holding one of its records/,
  );
});

test('revoked partitions are forgotten', () => {
  const store = new StateStore<number>();
  store.apply(
    new Map([
      ['s1', { partition: 0, value: 1 }],
      ['s2', { partition: 1, value: 2 }],
    ]),
  );
  store.retainPartitions(new Set([1]));
  assert.deepEqual([store.get('s1'), store.get('s2')], [undefined, 2]);
});

test('a change that changes nothing writes nothing: the same value again, or a delete of no state', () => {
  const store = new StateStore<{ faces: number }>();
  store.apply(new Map([['s1', { partition: 0, value: { faces: 1 } }]]));
  const staged = new StagedState<{ faces: number }>(
    store,
    new Map([
      ['s1', 0],
      ['s2', 1],
      ['s3', 2],
    ]),
  );
  staged.set('s1', { faces: 1 });
  staged.delete('s2');
  staged.set('s3', { faces: 0 });
  assert.deepEqual(staged.changelogRecords(), [{ key: 's3', partition: 2, value: Buffer.from('{"faces":0}') }]);
  staged.set('s1', { faces: 2 });
  assert.equal(staged.changelogRecords().length, 2, 'a real change is written');
});
