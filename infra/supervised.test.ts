import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createLogger } from '@proctoflex/core';
import { Supervised } from './supervised.ts';

const logger = createLogger('supervisor-test', 'silent');

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await delay(50);
  }
}

test('a process that exits is started again with growing delays, the same environment, counted and logged', async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), 'supervised-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const starts: number[] = [];
  const supervised = new Supervised(
    'crashing',
    {
      file: process.execPath,
      args: ['-e', 'console.log(`started as ${process.env.STAGE_INSTANCE_ID}`); setTimeout(() => process.exit(3), 50)'],
      env: { STAGE_INSTANCE_ID: 'local-crashing' },
      cwd: directory,
    },
    directory,
    logger,
    () => {
      if (supervised.status.pid !== null) starts.push(Date.now());
    },
  );
  const logFile = path.join(directory, 'crashing.log');
  const startsLogged = async () => (await readFile(logFile, 'utf8')).match(/started as local-crashing/g)?.length ?? 0;
  supervised.start();
  await until('three starts', () => starts.length >= 3);
  while ((await startsLogged()) < 3) await delay(50);
  const { restarts, lastExit } = supervised.status;
  await supervised.stop(5000);
  assert.ok(restarts >= 2, `${restarts} restarts`);
  assert.equal(lastExit?.code, 3);
  const [first, second, third] = starts;
  assert.ok(second! - first! >= 1000 && third! - second! >= 2000, 'the delay doubles: 1 s, then 2 s');
  assert.equal(await startsLogged(), starts.length, 'every start has its old instance id');
  await delay(1500);
  assert.equal(supervised.status.restarts, restarts, 'a stopped process is not started again');
});

test('stop drains a running process with SIGTERM', async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), 'supervised-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const supervised = new Supervised(
    'steady',
    {
      file: process.execPath,
      args: [
        '-e',
        "process.on('SIGTERM', () => { console.log('drained'); process.exit(0); }); setInterval(() => {}, 1000)",
      ],
      env: {},
      cwd: directory,
    },
    directory,
    logger,
    () => undefined,
  );
  supervised.start();
  await until('the process running', () => supervised.status.pid !== null);
  await delay(300);
  await supervised.stop(5000);
  assert.deepEqual([supervised.status.restarts, supervised.status.lastExit?.code], [0, 0]);
  assert.match(await readFile(path.join(directory, 'steady.log'), 'utf8'), /drained/);
});
