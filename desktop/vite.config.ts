import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * The candidate UI, built to dist/renderer: index.html for the Electron app (loaded from a
 * file, so relative asset paths) and candidate.html for the browser client (served by the API at
 * /candidate/). No inlined assets: the pages' CSP allows scripts (the audio worklet) from the app only.
 */
export default defineConfig({
  root: `${import.meta.dirname}/renderer`,
  base: './',
  plugins: [svelte()],
  resolve: {
    // The browser client encodes Avro in the page: avsc's types only (its full browser build needs Node streams).
    alias: { avsc: 'avsc/etc/browser/avsc-types.js' },
  },
  // The `util` package avsc imports reads this at load; no Node debug output in a browser.
  define: { 'process.env.NODE_DEBUG': 'undefined' },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // The browser client opens its IndexedDB queue before it mounts (top-level await).
    target: 'es2022',
    rollupOptions: {
      input: {
        index: `${import.meta.dirname}/renderer/index.html`,
        candidate: `${import.meta.dirname}/renderer/candidate.html`,
      },
    },
  },
});
