import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import test from 'node:test';
import { closeProcesses, forbiddenRunning } from './forbidden.ts';

test('forbidden applications: by name or path through the aliases, less what the exam allows; remote access never allowed', () => {
  const processes = [
    { pid: 10, name: 'Discord', executablePath: '/opt/discord/Discord' },
    { pid: 11, name: 'discord-helper', executablePath: '/opt/discord/DiscordCanary' },
    { pid: 20, name: 'zoom', executablePath: null },
    { pid: 30, name: 'TeamViewer.exe', executablePath: 'C:\\Program Files\\TeamViewer\\TeamViewer.exe' },
    { pid: 40, name: 'bash', executablePath: '/usr/bin/bash' },
  ];
  assert.deepEqual(forbiddenRunning(processes, ['Zoom', 'TeamViewer']), [
    { name: 'discord', pids: [10, 11] },
    { name: 'teamviewer', pids: [30] },
  ]);
  assert.deepEqual(forbiddenRunning(processes.slice(-1), []), []);
});

/** A child running `script` under sh, once it printed something; with the signal that ends it. */
async function child(script: string) {
  const process = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const ended = new Promise<NodeJS.Signals | null>((resolve) => process.once('exit', (_, signal) => resolve(signal)));
  await new Promise((resolve) => process.stdout.once('data', resolve));
  return { pid: process.pid!, ended };
}

test('closing: SIGTERM first; what ignores it is killed once the grace is over', async () => {
  const polite = await child('echo ready; exec sleep 60');
  const stubborn = await child('trap "" TERM; echo ready; while :; do sleep 1; done');
  const started = Date.now();
  assert.deepEqual(await closeProcesses([polite.pid, stubborn.pid], 500), []);
  assert.equal(await polite.ended, 'SIGTERM');
  assert.equal(await stubborn.ended, 'SIGKILL');
  assert.ok(Date.now() - started >= 500, 'the grace was given');
});
