import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import Koa from 'koa';
import type { ApiState } from './src/context.ts';
import { candidatePages, dashboardPages, servePages } from './src/pages.ts';

test('the browser client is served below /candidate/ with its own CSP, the dashboard at /, nothing outside the builds', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'pages-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const candidate = path.join(work, 'renderer');
  const dashboard = path.join(work, 'dashboard');
  await mkdir(path.join(candidate, 'assets'), { recursive: true });
  await mkdir(dashboard);
  await writeFile(path.join(candidate, 'candidate.html'), 'candidate page');
  await writeFile(path.join(candidate, 'assets', 'candidate-1.js'), 'candidate script');
  await writeFile(path.join(dashboard, 'index.html'), 'dashboard page');
  await writeFile(path.join(work, 'secret.js'), 'outside');
  const app = new Koa<ApiState>();
  app.use(servePages(candidatePages(candidate, 'https://ingest.example.org:8443')));
  app.use(servePages(dashboardPages(dashboard)));
  const handle = app.callback();
  const server = createServer((request, response) => void handle(request, response)).listen(0, '127.0.0.1');
  t.after(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (route: string) => fetch(`${base}${route}`, { redirect: 'manual' });

  const redirect = await get('/candidate');
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('location'), '/candidate/', 'relative asset paths need the slash');
  for (const route of ['/candidate/', '/candidate/exam']) {
    const page = await get(route);
    assert.equal(await page.text(), 'candidate page', route);
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /connect-src 'self' https:\/\/ingest\.example\.org:8443 wss:\/\/ingest\.example\.org:8443;/);
    assert.match(page.headers.get('permissions-policy') ?? '', /camera=\(self\)/);
  }
  const script = await get('/candidate/assets/candidate-1.js');
  assert.equal(await script.text(), 'candidate script');
  assert.match(script.headers.get('cache-control') ?? '', /immutable/);
  const dashboardPage = await get('/alerts');
  assert.equal(await dashboardPage.text(), 'dashboard page');
  assert.doesNotMatch(
    dashboardPage.headers.get('content-security-policy') ?? '',
    /unsafe-eval/,
    'only the client needs it',
  );
  for (const route of ['/candidate/..%2fsecret.js', '/candidate/%2e%2e/secret.js', '/candidate/assets/x.exe']) {
    assert.equal((await get(route)).status, 404, route);
  }
});
