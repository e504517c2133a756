import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { createLogger, createMetricsRegistry, repoPath } from '@proctoflex/core';
import { createTestClickHouse, eventually, freePort, uniqueName } from '@proctoflex/core/testing';
import { startTestApi } from '@proctoflex/api/testing';
import { Gateway, IngestClient, loadIngestConfig } from '@proctoflex/ingest';
import { scriptedSession, simulatedMedia } from '@proctoflex/ingest/sim';
import { ensureCommand } from '../infra/lib.ts';

const screenshots = repoPath('dashboard/test-results');
const admin = { email: 'admin@proctoflex.test', password: 'correct horse battery' };

/** The dashboard built as `npm run build:dashboard` builds it, into a directory of the test's own. */
async function buildDashboard(): Promise<{ dir: string; bytes: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'it-dashboard-'));
  await build({ configFile: repoPath('dashboard/vite.config.ts'), logLevel: 'warn', build: { outDir: dir } });
  const files = await readdir(dir, { recursive: true });
  const sizes = await Promise.all(files.map(async (file) => (await stat(path.join(dir, file))).size));
  return { dir, bytes: sizes.reduce((sum, size) => sum + size, 0) };
}

async function signIn(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Exams' }).waitFor();
}

test('a proctor watches a live exam: the session appears, its risk rises, the alert reaches the queue with its evidence, and the confirmation is audited', async (t) => {
  await ensureCommand('chromium', ['chromium']);
  await mkdir(screenshots, { recursive: true });
  const dashboard = await buildDashboard();
  t.after(() => rm(dashboard.dir, { recursive: true, force: true }));
  const clickhouse = await createTestClickHouse('it_dashboard');
  t.after(() => clickhouse.drop());
  const gatewayPort = await freePort();
  const api = await startTestApi({
    CLICKHOUSE_URL: clickhouse.url,
    API_DASHBOARD_DIR: dashboard.dir,
    API_INGEST_URL: `http://127.0.0.1:${gatewayPort}`,
    API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
    API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
  });
  t.after(() => api.stop());
  const { call, pipeline } = api;
  const gateway = new Gateway(
    loadIngestConfig({ ...pipeline.topics, INGEST_TOKEN_SECRET: api.secrets.ingest, INGEST_PORT: String(gatewayPort) }),
    createLogger('ingest', 'warn'),
    createMetricsRegistry('ingest'),
  );
  await gateway.start();
  t.after(() => gateway.stop());
  const stages = [
    pipeline.spawnStage('app-policy'),
    pipeline.spawnStage('risk'),
    pipeline.spawnStage('alerts-sink', { DATABASE_URL: api.database.url }),
    pipeline.spawnStage('evidence-sink', {
      DATABASE_URL: api.database.url,
      EVIDENCE_KEY: api.secrets.evidence,
      EVIDENCE_DIR: api.evidenceDir,
      EVIDENCE_BUFFER_MS: '60000',
    }),
    pipeline.spawnStage('clickhouse-sink', { CLICKHOUSE_URL: clickhouse.url }),
  ];

  // An exam with its proctor and candidate, made through the API.
  const { accessToken: adminToken } = await api.login(admin.email, admin.password);
  const user = async (role: string, displayName: string) => {
    const email = `${uniqueName(role)}@proctoflex.test`;
    const password = `${role} password 1234`;
    const { body } = await call('POST', '/api/users', adminToken, { email, displayName, role, password });
    return { id: body.id as string, email, password };
  };
  const proctor = await user('proctor', 'Pat Proctor');
  const student = await user('student', 'Sam Candidate');
  const exam = await call('POST', '/api/exams', adminToken, {
    title: 'Statistics final',
    startsAt: new Date(Date.now() - 3_600_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    durationMinutes: 90,
    allowedDomains: ['exam.proctoflex.dev'],
  });
  const examId = exam.body.id as string;
  await call('PUT', `/api/exams/${examId}/members`, adminToken, { candidates: [student.id], proctors: [proctor.id] });
  await Promise.all(stages.map(({ process }) => process.started));

  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const baseUrl = `http://127.0.0.1:${api.port}`;
  const live = await context.newPage();
  await live.goto(`${baseUrl}/`);
  await live.getByRole('button', { name: 'Sign in' }).waitFor();
  await live.screenshot({ path: path.join(screenshots, '1-login.png') });
  await signIn(live, baseUrl, proctor.email, proctor.password);
  await live.screenshot({ path: path.join(screenshots, '2-exams.png') });
  await live.getByRole('link', { name: 'Live' }).click();
  await live.getByText('No candidate has started yet').waitFor();
  // The queue in a second tab, open before anything happens, so the alert arrives live.
  const queue = await context.newPage();
  await signIn(queue, baseUrl, proctor.email, proctor.password);
  await queue.getByRole('link', { name: 'Alerts' }).click();
  await queue.getByText('Nothing to review').waitFor();

  // The student starts; the simulator streams 45 s of a candidate who opens forbidden apps and
  // sites from second 20 to 40 (the session stays open: no ENDED).
  const grant = (
    await call('POST', `/api/exams/${examId}/sessions`, (await api.login(student.email, student.password)).accessToken)
  ).body as { sessionId: string; ingestUrl: string; ingestToken: string };
  const claims = { sessionId: grant.sessionId, examId, candidateId: student.id };
  const records = scriptedSession(claims, 'forbidden-app', await simulatedMedia(), 45, Date.now() - 46_000).slice(
    0,
    -1,
  );
  const client = await IngestClient.connect(grant.ingestUrl, grant.ingestToken);
  const stream = await client.stream();
  for (let start = 0; start < records.length; start += 3)
    await stream.send(client.batch(records.slice(start, start + 3)));
  await stream.close();

  const row = live.locator(`tr[data-session="${grant.sessionId}"]`);
  await row.waitFor({ timeout: 60_000 });
  await eventually(
    'the risk shown to rise',
    async () => Number(await row.locator('[data-risk]').getAttribute('data-risk')) > 0,
    60_000,
  );
  assert.match(await row.innerText(), /Sam Candidate/);
  await live.screenshot({ path: path.join(screenshots, '3-live-exam.png') });

  // The alert: how long after the API had it the queue showed it.
  const inApi = await eventually(
    'the alert in the API',
    async () => {
      const { body } = await call('GET', `/api/alerts?examId=${examId}&rule=forbidden_app`, adminToken);
      return (body.alerts as unknown[]).length > 0 ? Date.now() : undefined;
    },
    60_000,
  );
  await queue
    .getByRole('button', { name: /Forbidden app/ })
    .first()
    .waitFor({ timeout: 30_000 });
  console.log(
    `dashboard: the alert was in the queue ${Date.now() - inApi} ms after the API had it (polled every 100 ms)`,
  );
  await queue
    .getByRole('button', { name: /Forbidden app/ })
    .first()
    .click();
  await queue.getByRole('img', { name: 'Frames around the alert' }).waitFor({ timeout: 60_000 });
  await queue.screenshot({ path: path.join(screenshots, '4-alert-queue.png'), fullPage: true });
  const alertId = (
    (await call('GET', `/api/alerts?examId=${examId}&rule=forbidden_app`, adminToken)).body.alerts as {
      id: string;
    }[]
  )[0]!.id;
  await queue.getByLabel('Comment').fill('ChatGPT open in the browser');
  await queue.getByRole('button', { name: /^Confirm/ }).click();
  await eventually(
    'the decision in the audit log',
    async () => {
      const { body } = await call('GET', `/api/audit?entityType=alert&entityId=${alertId}`, adminToken);
      const [entry] = body.entries as { actorId: string; comment: string; after: { reviewStatus: string } }[];
      return entry && [entry.actorId, entry.comment, entry.after.reviewStatus].join('|');
    },
    10_000,
  ).then((entry) => assert.equal(entry, `${proctor.id}|ChatGPT open in the browser|confirmed`));
  await queue.screenshot({ path: path.join(screenshots, '5-after-confirm.png') });

  // The session's timeline: risk from ClickHouse, the alerts on it, their evidence and decisions.
  await eventually(
    'the risk series in ClickHouse',
    async () => {
      const { body } = await call('GET', `/api/sessions/${grant.sessionId}/timeline`, adminToken);
      return (body.risk as unknown[]).length > 0 && (body.signals as unknown[]).length > 0;
    },
    60_000,
  );
  await live.getByRole('link', { name: 'Sam Candidate' }).click();
  await live.getByRole('img', { name: 'Risk over time with alerts and signals' }).waitFor();
  assert.ok((await live.locator('polyline.risk').count()) === 1, 'a risk line');
  const alertRow = live.getByRole('row', { name: /Forbidden application running/ });
  await alertRow.getByRole('button', { name: 'Evidence and decisions' }).click();
  await alertRow.getByRole('img', { name: 'Evidence of Forbidden app' }).waitFor();
  await alertRow.getByText('confirmed by Pat Proctor').waitFor();
  await live.screenshot({ path: path.join(screenshots, '6-session-timeline.png'), fullPage: true });
  console.log(`dashboard: build ${(dashboard.bytes / 1024).toFixed(0)} KiB`);
});
