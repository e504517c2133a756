import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { repoPath } from './paths.ts';

const lives = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a process started with an IPC channel stops when its parent is killed: a timed-out test leaves none behind', async () => {
  // The parent (a test process) starts a long-running process the way spawnStage does, prints its pid, and is SIGKILLed.
  const child = `
    const { createLogger, stopOnSignals } = await import(${JSON.stringify(repoPath('core/src/index.ts'))});
    stopOnSignals(createLogger('orphan', 'silent'), 5000, async () => {});
    console.log('listening');
    setInterval(() => {}, 1000);`;
  const parent = `
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(child)}], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    console.log(child.pid);
    setInterval(() => {}, 1000);`;
  const test = spawn(process.execPath, ['--input-type=module', '-e', parent], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  test.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('listening')) await once(test.stdout, 'data');
  const pid = Number(output.split('\n')[0]);
  assert.ok(lives(pid), 'the child runs');
  test.kill('SIGKILL');
  const deadline = Date.now() + 15_000;
  while (lives(pid)) {
    assert.ok(Date.now() < deadline, 'the child still runs 15 s after its parent was killed');
    await delay(100);
  }
});
