/**
 * The preload script: the renderer's only way to the main process, `window.proctoflex`, one
 * IPC invoke per call of the CandidateBridge. Built to dist/preload.cjs.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { ipcChannels, statusChannel, type CandidateBridge } from './bridge.ts';
import type { UploadStatus } from './uploader.ts';

const bridge = Object.fromEntries(
  ipcChannels.map((channel) => [channel, (...args: unknown[]) => ipcRenderer.invoke(channel, ...args)]),
) as Omit<CandidateBridge, 'onStatus'>;

contextBridge.exposeInMainWorld('proctoflex', {
  ...bridge,
  onStatus: (listener: (status: UploadStatus) => void) =>
    ipcRenderer.on(statusChannel, (_, status: UploadStatus) => listener(status)),
} satisfies CandidateBridge);
