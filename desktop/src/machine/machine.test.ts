import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { linuxInspector } from './linux.ts';
import { parsePs } from './macos.ts';
import { hypervisorHints } from './run.ts';
import { parseTasklist } from './windows.ts';

test(
  'Linux: a snapshot lists the user’s running programs by executable name, pid and path',
  { skip: process.platform !== 'linux' },
  async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'machine-'));
    // A program with a name longer than /proc's 15-character comm, as many apps have.
    const executable = path.join(dir, 'discord-canary-helper');
    await copyFile('/bin/sleep', executable);
    const child = spawn(executable, ['30'], { stdio: 'ignore' });
    try {
      const snapshot = await linuxInspector().snapshot();
      assert.deepEqual(
        snapshot.processes.find(({ pid }) => pid === child.pid),
        { pid: child.pid, name: 'discord-canary-helper', executablePath: executable },
      );
      assert.ok(
        snapshot.processes.some(({ pid }) => pid === process.pid),
        'this process is listed',
      );
      assert.ok(
        snapshot.processes.every(({ pid }) => pid > 2),
        'kernel threads (no executable) are left out',
      );
      const other = linuxInspector(process.getuid!() + 4242);
      assert.deepEqual((await other.snapshot()).processes, [], 'only the given user’s processes');
    } finally {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'Linux: a virtual machine is hinted from the CPU’s hypervisor flag',
  { skip: process.platform !== 'linux' },
  async () => {
    const { readFile } = await import('node:fs/promises');
    const flagged = /^flags\s*:.*\bhypervisor\b/m.test(await readFile('/proc/cpuinfo', 'utf8'));
    const { virtualMachineHints } = await linuxInspector().snapshot();
    assert.equal(virtualMachineHints.includes('cpu flag: hypervisor'), flagged);
  },
);

test('hypervisor names in firmware strings become hints; real makers do not', () => {
  assert.deepEqual(hypervisorHints('firmware', ['QEMU\n', 'Standard PC (Q35 + ICH9, 2009)', null, 'Dell Inc.']), [
    'firmware: QEMU',
  ]);
  assert.deepEqual(hypervisorHints('computer system', ['innotek GmbH', 'VirtualBox']), [
    'computer system: innotek GmbH',
    'computer system: VirtualBox',
  ]);
  assert.deepEqual(hypervisorHints('computer system', ['LENOVO', '20XW004GGE']), []);
});

test('Windows: tasklist CSV lines become processes', () => {
  const csv = [
    '"System Idle Process","0","Services","0","8 K"',
    '"Discord.exe","10424","Console","1","120,504 K"',
    '"chrome.exe","8812","Console","1","98,112 K"',
    'INFO: No tasks are running which match the specified criteria.',
  ].join('\r\n');
  assert.deepEqual(parseTasklist(csv), [
    { pid: 0, name: 'System Idle Process', executablePath: null },
    { pid: 10424, name: 'Discord.exe', executablePath: null },
    { pid: 8812, name: 'chrome.exe', executablePath: null },
  ]);
});

test('macOS: ps lines become processes, named by their executable', () => {
  const text = [
    '  412 /System/Library/CoreServices/Finder.app/Contents/MacOS/Finder',
    ' 9001 /Applications/Discord.app/Contents/MacOS/Discord',
    '  77 login',
    '',
  ].join('\n');
  assert.deepEqual(parsePs(text), [
    { pid: 412, name: 'Finder', executablePath: '/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder' },
    { pid: 9001, name: 'Discord', executablePath: '/Applications/Discord.app/Contents/MacOS/Discord' },
    { pid: 77, name: 'login', executablePath: null },
  ]);
});
