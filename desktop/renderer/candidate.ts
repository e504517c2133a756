/**
 * The browser candidate client: the desktop's renderer in a tab, served by the API at /candidate/.
 * The candidate's flow runs in the page itself (no main process): API calls to this origin,
 * records queued encrypted in IndexedDB and streamed to the gateway. Lower assurance than the
 * desktop app, and said so in the system check: no process list, no lockdown.
 */
import './buffer-global.ts';
import { mount } from 'svelte';
import { CandidateApi, type CandidateIntervention } from '../src/api.ts';
import { IndexedDbQueues } from '../src/browser/queue.ts';
import { createCandidate } from '../src/candidate.ts';
import type { UploadStatus } from '../src/uploader.ts';
import App from './App.svelte';
import './app.css';

/** At most this much waits in IndexedDB while the gateway cannot be reached: about 3 hours at the standard rates. */
const maxQueueBytes = 512 * 1024 * 1024;
/** How long ending the exam waits for the gateway to have the last records; the rest goes at the next sign-in. */
const drainMs = 60_000;

const listeners: ((status: UploadStatus) => void)[] = [];
const interventionListeners: ((intervention: CandidateIntervention) => void)[] = [];
const candidate = createCandidate({
  api: new CandidateApi(location.origin),
  queues: await IndexedDbQueues.open(maxQueueBytes),
  drainMs,
  machine: null,
  // Chromium tells whether the screen extends onto another display; other browsers do not.
  displayCount: () => {
    const { isExtended } = screen as Screen & { isExtended?: boolean };
    return isExtended === undefined ? null : isExtended ? 2 : 1;
  },
  screenPermission: () => 'not-needed',
  clientVersion: `proctoflex-browser/${navigator.userAgent.slice(0, 200)}`,
  notify: (status) => listeners.forEach((listener) => listener(status)),
  notifyIntervention: (intervention) => interventionListeners.forEach((listener) => listener(intervention)),
  onError: (error) => console.error(error),
  // A page can lock nothing down: the exam's lockdown applies to the desktop app only.
  lockdown: () => undefined,
});

mount(App, {
  target: document.getElementById('app')!,
  props: {
    bridge: {
      ...candidate,
      onStatus: (listener: (status: UploadStatus) => void) => listeners.push(listener),
      onIntervention: (listener: (intervention: CandidateIntervention) => void) => interventionListeners.push(listener),
    },
  },
});
