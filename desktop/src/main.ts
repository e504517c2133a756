/**
 * The Electron main process: one window with the candidate UI (context isolation, sandbox, no
 * Node in the renderer), the IPC handlers of `ipc.ts`, the queue key kept by the OS keychain,
 * and the exam's lockdown. Built to dist/main.cjs by `npm run desktop`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  desktopCapturer,
  globalShortcut,
  ipcMain,
  safeStorage,
  screen,
  systemPreferences,
} from 'electron';
import { createLogger, runMain } from '@proctoflex/core/client';
import { CandidateApi, type CaptureSettings } from './api.ts';
import { loadDesktopConfig } from './config.ts';
import { interventionChannel, ipcChannels, statusChannel } from './bridge.ts';
import { createIpcHandlers } from './ipc.ts';
import { machineInspectorFor } from './machine/index.ts';

/** Shortcuts that leave or capture the exam window; registering them keeps them from the OS while the exam runs. */
const blockedShortcuts = ['Alt+Tab', 'CommandOrControl+Tab', 'Super+D', 'PrintScreen', 'CommandOrControl+Shift+3'];

/** The queue's AES key, random per install, stored encrypted by the OS keychain where it has one. */
async function queueKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'queue.key');
  if (existsSync(file)) {
    const stored = readFileSync(file);
    return Buffer.from((await safeStorage.decryptStringAsync(stored)).result, 'base64');
  }
  const key = randomBytes(32);
  writeFileSync(file, await safeStorage.encryptStringAsync(key.toString('base64')), { mode: 0o600 });
  return key;
}

runMain('desktop', async () => {
  const config = loadDesktopConfig();
  const log = createLogger('desktop', 'info');
  await app.whenReady();
  const dataDir = app.getPath('userData');
  mkdirSync(dataDir, { recursive: true });

  const window = new BrowserWindow({
    width: 1100,
    height: 760,
    webPreferences: {
      preload: path.join(import.meta.dirname, 'preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  const appUrl = new URL(`file://${path.join(import.meta.dirname, 'renderer', 'index.html')}`);
  // The renderer may use the camera, the microphone and the screen, and nothing else.
  window.webContents.session.setPermissionRequestHandler((_, permission, allow) =>
    allow(permission === 'media' || permission === 'display-capture'),
  );
  // The renderer's screen share is the primary display, chosen here: the candidate picks nothing.
  window.webContents.session.setDisplayMediaRequestHandler((_, answer) => {
    desktopCapturer.getSources({ types: ['screen'] }).then(
      (sources) => {
        const primaryId = String(screen.getPrimaryDisplay().id);
        const source = sources.find(({ display_id }) => display_id === primaryId) ?? sources[0];
        answer(source ? { video: source } : {});
      },
      (error: unknown) => {
        log.error({ err: error }, 'no screen to share');
        answer({});
      },
    );
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());

  const lockdown = (settings: CaptureSettings['lockdown'] | null) => {
    window.setKiosk(settings?.kiosk ?? false);
    window.setFullScreen(settings?.fullscreen ?? false);
    globalShortcut.unregisterAll();
    if (!settings?.blockShortcuts) return;
    for (const shortcut of blockedShortcuts) {
      if (!globalShortcut.register(shortcut, () => undefined)) log.warn({ shortcut }, 'the OS keeps this shortcut');
    }
  };

  const primary = screen.getPrimaryDisplay().id;
  const handlers = createIpcHandlers({
    api: new CandidateApi(config.PROCTOFLEX_API_URL),
    dataDir,
    queueKey: await queueKey(dataDir),
    maxQueueBytes: config.DESKTOP_QUEUE_MAX_BYTES,
    drainMs: config.DESKTOP_DRAIN_MS,
    inspector: machineInspectorFor(process.platform),
    displays: () =>
      screen.getAllDisplays().map(({ id, size }) => ({ id: String(id), ...size, primary: id === primary })),
    screenPermission: () =>
      process.platform === 'darwin'
        ? systemPreferences.getMediaAccessStatus('screen') === 'granted'
          ? 'granted'
          : 'denied'
        : 'not-needed',
    clientVersion: `proctoflex-desktop/${app.getVersion()}`,
    notify: (status) => window.webContents.send(statusChannel, status),
    notifyIntervention: (intervention) => window.webContents.send(interventionChannel, intervention),
    onError: (error) => log.error({ err: error }, 'desktop error'),
    lockdown,
  });
  for (const channel of ipcChannels) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (event.senderFrame?.url !== appUrl.href) throw new Error('IPC from outside the app');
      return handlers[channel](...args);
    });
  }
  app.on('window-all-closed', () => app.quit());
  await window.loadURL(appUrl.href);
  log.info({ api: config.PROCTOFLEX_API_URL }, 'desktop started');
});
