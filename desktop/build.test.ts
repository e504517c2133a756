import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { buildDesktop } from './build.ts';

test('the built app holds everything it runs, and its main bundle loads outside the repository', async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'desktop-build-'));
  try {
    const app = await buildDesktop(path.join(work, 'app'));
    const files = await readdir(app, { recursive: true });
    for (const expected of ['main.cjs', 'preload.cjs', 'renderer/index.html'])
      assert.ok(files.includes(expected), expected);
    const main = await readFile(path.join(app, 'main.cjs'), 'utf8');
    assert.doesNotMatch(
      main,
      /node_modules\/(pg|kafkajs|@clickhouse|jsonwebtoken)\//,
      'no server client in the desktop',
    );
    assert.ok(
      files.some((file) => /^renderer\/assets\/pcm-worklet-.+\.js$/.test(file)),
      'the audio worklet is a file',
    );

    // No Electron binary here: its module is an inert object whose whenReady ends the run, so that
    // this checks that the bundle's whole module graph loads (files it reads at load included).
    const electron = path.join(work, 'node_modules/electron');
    await mkdir(electron, { recursive: true });
    await writeFile(
      path.join(electron, 'index.js'),
      "module.exports = { app: { whenReady() { console.log('main loaded'); process.exit(0); } } };",
    );
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(app, 'main.cjs')], { cwd: work });
    assert.equal(stdout.trim(), 'main loaded');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
