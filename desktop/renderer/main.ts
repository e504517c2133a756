import { mount } from 'svelte';
import type { CandidateBridge } from '../src/bridge.ts';
import App from './App.svelte';
import './app.css';

declare global {
  interface Window {
    /** The main process, exposed by the preload script. */
    readonly proctoflex: CandidateBridge;
  }
}

mount(App, { target: document.getElementById('app')!, props: { bridge: window.proctoflex } });
