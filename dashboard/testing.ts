import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { repoPath } from '@proctoflex/core';

/**
 * The dashboard built as `npm run build:dashboard` builds it, into a directory of its own: its
 * files with their sizes, and how long the build took. For the tests and the benchmark.
 */
export async function buildDashboard(): Promise<{ dir: string; files: [string, number][]; ms: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dashboard-'));
  const started = performance.now();
  await build({ configFile: repoPath('dashboard/vite.config.ts'), logLevel: 'warn', build: { outDir: dir } });
  const ms = performance.now() - started;
  const names = (await readdir(dir, { recursive: true })).filter((name) => path.extname(name));
  const files = await Promise.all(
    names.map(async (name): Promise<[string, number]> => [name, (await stat(path.join(dir, name))).size]),
  );
  return { dir, files, ms };
}

/** Signs in to the dashboard at `baseUrl` on `page`, up to its list of exams. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Exams' }).waitFor();
}
