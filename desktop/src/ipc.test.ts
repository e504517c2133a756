import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { CandidateApi } from './api.ts';
import { createIpcHandlers } from './ipc.ts';
import { linuxInspector } from './machine/linux.ts';

/** Handlers as main.ts makes them; the API address is never reached by these calls. */
const handlers = createIpcHandlers({
  api: new CandidateApi('http://127.0.0.1:9'),
  dataDir: '/nonexistent',
  queueKey: randomBytes(32),
  maxQueueBytes: 16 * 1024 * 1024,
  drainMs: 1000,
  inspector: linuxInspector(),
  displays: () => [],
  screenPermission: () => 'not-needed',
  clientVersion: 'test',
  notify: () => undefined,
  notifyIntervention: () => undefined,
  onError: (error) => assert.fail(String(error)),
  lockdown: () => undefined,
});

/** As Electron's ipcMain.handle calls a handler: what it throws rejects the invoke. */
const invoke = (channel: keyof typeof handlers, ...args: unknown[]): Promise<unknown> =>
  Promise.resolve().then((): Promise<unknown> => handlers[channel](...args));

test('the IPC handlers check what the renderer sends like any untrusted input', async () => {
  await assert.rejects(invoke('record', { type: 'frame', jpeg: 'not bytes', width: 640, height: 480 }), /jpeg/);
  await assert.rejects(invoke('record', { type: 'event', event: 'ENDED', detail: null }), /event/);
  await assert.rejects(invoke('record', { type: 'shell', command: 'rm -rf /' }), /type/);
  await assert.rejects(
    invoke('record', { type: 'audio', pcm: new Uint8Array(32_000), captureTime: Date.now(), durationMs: 1000 }),
    /the exam has not begun/,
  );
  await assert.rejects(invoke('signIn', '', 'password'), /too_small|at least/i);
  await assert.rejects(invoke('startExam', 'exam-1', 'notice-version'), /sign in first/);
  await assert.rejects(invoke('systemCheck'), /start an exam first/);
  await assert.rejects(invoke('beginExam'), /start an exam first/);
  await assert.rejects(invoke('endExam'), /the exam has not begun/);
  await assert.rejects(invoke('acknowledge', 'x'.repeat(501)), /too_big|at most/i);
  await assert.rejects(invoke('acknowledge', 'intervention-1'), /the exam has not begun/);
});
