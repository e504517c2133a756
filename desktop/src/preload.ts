/**
 * The preload script: the renderer's only way to the main process, `window.proctoflex`, one
 * IPC invoke per call of the CandidateBridge. Built to dist/preload.cjs.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { CandidateIntervention } from './api.ts';
import { interventionChannel, ipcChannels, statusChannel, type CandidateBridge } from './bridge.ts';
import type { UploadStatus } from './uploader.ts';

const bridge = Object.fromEntries(
  ipcChannels.map((channel) => [channel, (...args: unknown[]) => ipcRenderer.invoke(channel, ...args)]),
) as Omit<CandidateBridge, 'onStatus' | 'onIntervention'>;

contextBridge.exposeInMainWorld('proctoflex', {
  ...bridge,
  onStatus: (listener: (status: UploadStatus) => void) =>
    ipcRenderer.on(statusChannel, (_, status: UploadStatus) => listener(status)),
  onIntervention: (listener: (intervention: CandidateIntervention) => void) =>
    ipcRenderer.on(interventionChannel, (_, intervention: CandidateIntervention) => listener(intervention)),
} satisfies CandidateBridge);
