import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * The candidate UI, built to dist/renderer; relative asset paths, as Electron loads it from a
 * file. No inlined assets: the page's CSP allows scripts (the audio worklet) from the app only.
 */
export default defineConfig({
  root: `${import.meta.dirname}/renderer`,
  base: './',
  plugins: [svelte()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, assetsInlineLimit: 0 },
});
