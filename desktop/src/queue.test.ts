import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { DiskQueue } from './queue.ts';
import type { QueuedRecord } from './record-queue.ts';

const record = (seq: number, bytes = 1000): QueuedRecord => ({
  seq,
  kind: seq % 2 ? 'AUDIO' : 'FRAME',
  value: Buffer.alloc(bytes, seq % 251),
});

function withDir(use: (dir: string) => void) {
  const dir = mkdtempSync(path.join(tmpdir(), 'queue-test-'));
  try {
    use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('records come back in order after reopening, encrypted on disk, and acknowledged ones are gone', () =>
  withDir((dir) => {
    const key = randomBytes(32);
    const queue = DiskQueue.open(dir, key, 64 * 1024 * 1024);
    assert.equal(queue.lastSeq, -1);
    assert.ok(queue.append([record(0), record(1), record(2)]));
    assert.ok(queue.append([record(3, 70_000)]));
    queue.acknowledge(1);
    queue.close();

    const files = readdirSync(dir).filter((name) => name.endsWith('.seg'));
    const disk = Buffer.concat(files.map((name) => readFileSync(path.join(dir, name))));
    assert.equal(disk.indexOf(record(3, 70_000).value.subarray(0, 64)), -1, 'no plain record bytes on disk');

    const reopened = DiskQueue.open(dir, key, 64 * 1024 * 1024);
    assert.equal(reopened.lastSeq, 3);
    assert.equal(reopened.ackedSeq, 1);
    assert.equal(reopened.pendingRecords, 2);
    const pending = reopened.read(-1, 10);
    assert.deepEqual(
      pending.map(({ seq, kind }) => [seq, kind]),
      [
        [2, 'FRAME'],
        [3, 'AUDIO'],
      ],
    );
    assert.ok(pending[1]!.value.equals(record(3, 70_000).value));
    assert.deepEqual(
      reopened.read(2, 10).map(({ seq }) => seq),
      [3],
    );
    reopened.acknowledge(3);
    assert.equal(reopened.pendingRecords, 0);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.seg')),
      [],
      'a segment whose records are all acknowledged is deleted',
    );
    assert.ok(reopened.append([record(4)]), 'appending goes on after the segment was deleted');
    assert.equal(DiskQueue.open(dir, key, 1e9).lastSeq, 4);
  }));

test('segments roll over at 8 MiB and go one by one as acknowledgements pass them', () =>
  withDir((dir) => {
    const queue = DiskQueue.open(dir, randomBytes(32), 64 * 1024 * 1024);
    for (let seq = 0; seq < 40; seq += 1) assert.ok(queue.append([record(seq, 512 * 1024)]));
    const segments = () => readdirSync(dir).filter((name) => name.endsWith('.seg')).length;
    assert.equal(segments(), 3);
    queue.acknowledge(14);
    assert.equal(segments(), 3, 'the first segment (seq 0-15) is kept while seq 15 is not acknowledged');
    queue.acknowledge(16);
    assert.equal(segments(), 2, 'then it goes');
    assert.deepEqual(
      queue.read(-1, 2).map(({ seq }) => seq),
      [17, 18],
    );
  }));

test('the queue is bounded: an append that does not fit is refused whole and changes nothing', () =>
  withDir((dir) => {
    const queue = DiskQueue.open(dir, randomBytes(32), 10_000);
    assert.ok(queue.append([record(0, 4000), record(1, 4000)]));
    assert.equal(queue.append([record(2, 4000)]), false);
    assert.equal(queue.lastSeq, 1);
    queue.acknowledge(1);
    assert.ok(queue.append([record(2, 4000)]), 'acknowledged records free their room');
  }));

test('a record torn by a kill mid-write is cut off; a record that fails its tag stops the opening', () =>
  withDir((dir) => {
    const key = randomBytes(32);
    const queue = DiskQueue.open(dir, key, 1e9);
    queue.append([record(0), record(1)]);
    queue.close();
    const segment = path.join(
      dir,
      readdirSync(dir).find((name) => name.endsWith('.seg'))!,
    );
    appendFileSync(segment, Buffer.from([0, 0, 4, 0, 1, 2, 3]));
    const reopened = DiskQueue.open(dir, key, 1e9);
    assert.deepEqual(
      reopened.read(-1, 10).map(({ seq }) => seq),
      [0, 1],
    );
    assert.ok(reopened.append([record(2)]), 'appends continue after the cut');
    reopened.close();
    assert.deepEqual(
      DiskQueue.open(dir, key, 1e9)
        .read(-1, 10)
        .map(({ seq }) => seq),
      [0, 1, 2],
    );
    assert.throws(() => DiskQueue.open(dir, randomBytes(32), 1e9), /cannot be decrypted/);
    assert.throws(() => DiskQueue.open(dir, randomBytes(16), 1e9), /32 bytes/);
  }));
