import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Partitioners } from 'kafkajs';
import { percentile, type RiskUpdate } from '@proctoflex/core';
import { testKafka } from '@proctoflex/core/testing';
import { startTestApi } from '@proctoflex/api/testing';
import { launchChromium } from '../../infra/chromium.ts';
import { buildDashboard } from '../testing.ts';

/**
 * `npm run bench:dashboard [sessions] [seconds]`: the built dashboard's size, then the live view of
 * one exam with `sessions` sessions in Chromium while each session's risk arrives once a second:
 * time from opening the page to every row shown (and to the first risk), how long the filter
 * takes to answer a keystroke, and the page's JS heap. API, Kafka, browser share the machine.
 */
const sessionCount = Number(process.argv[2] ?? '500');
const seconds = Number(process.argv[3] ?? '20');
const admin = { email: 'admin@bench.test', password: 'bench admin password' };

const { dir: outDir, files, ms: buildMs } = await buildDashboard();
console.log(`\nbuild: ${buildMs.toFixed(0)} ms`);
for (const [file, size] of files) console.log(`  ${file}: ${(size / 1024).toFixed(1)} KiB`);

const api = await startTestApi({
  API_DASHBOARD_DIR: outDir,
  API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
  API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
});
const browser = await launchChromium();
const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
let feed: NodeJS.Timeout | undefined;
try {
  const { accessToken } = await api.login(admin.email, admin.password);
  const exam = await api.call('POST', '/api/exams', accessToken, {
    title: 'Bench exam',
    startsAt: new Date(Date.now() - 3_600_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    durationMinutes: 120,
  });
  const examId = exam.body.id as string;
  const sessions = Array.from({ length: sessionCount }, (_, index) => ({
    id: randomUUID(),
    candidateId: `student-${index + 1}`,
  }));
  await api.database.pool.query(
    `INSERT INTO users (id, email, display_name, role, password_hash)
     SELECT c, c || '@bench.test', 'Candidate ' || i, 'student', '-' FROM unnest($1::text[]) WITH ORDINALITY AS u(c, i)`,
    [sessions.map(({ candidateId }) => candidateId)],
  );
  await api.database.pool.query(
    `INSERT INTO sessions (id, exam_id, candidate_id, status) SELECT s, $1, c, 'active' FROM unnest($2::text[], $3::text[]) AS u(s, c)`,
    [examId, sessions.map(({ id }) => id), sessions.map(({ candidateId }) => candidateId)],
  );

  // Each session's risk once a second, a tenth of them every 100 ms.
  await producer.connect();
  const riskTopic = api.pipeline.topics.RISK_TOPIC;
  let tick = 0;
  feed = setInterval(() => {
    tick += 1;
    const messages = sessions
      .filter((_, index) => index % 10 === tick % 10)
      .map(({ id, candidateId }) => {
        const update: RiskUpdate = {
          sessionId: id,
          examId,
          candidateId,
          riskScore: (tick * 7 + candidateId.length * 13) % 100,
          level: 'LOW',
          captureTime: Date.now(),
          computedTime: Date.now(),
          contributions: [],
        };
        return { key: id, value: api.pipeline.serde.encode(riskTopic, update) };
      });
    void producer.send({ topic: riskTopic, messages });
  }, 100);

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const base = `http://127.0.0.1:${api.port}`;
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Exams' }).waitFor();

  const opened = performance.now();
  await page.goto(`${base}/#/exams/${examId}/live`);
  await page.waitForFunction((count) => document.querySelectorAll('tr[data-session]').length === count, sessionCount, {
    timeout: 60_000,
  });
  const rowsMs = performance.now() - opened;
  await page.waitForFunction(() => document.querySelector('[data-risk]:not([data-risk="0"])') !== null, undefined, {
    timeout: 60_000,
  });
  const riskMs = performance.now() - opened;

  // Keystrokes into the filter while the risk streams in: time until the table answers.
  const filterMs: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  for (let round = 0; Date.now() < deadline; round += 1) {
    const candidate = `Candidate ${(round % sessionCount) + 1}`;
    const started = performance.now();
    await page.getByRole('searchbox').fill(candidate);
    await page.waitForFunction(
      (name) =>
        [...document.querySelectorAll('tr[data-session] td:first-child')].every((cell) =>
          cell.textContent?.includes(name),
        ),
      candidate,
    );
    filterMs.push(performance.now() - started);
    await page.getByRole('searchbox').fill('');
    await page.waitForFunction((count) => document.querySelectorAll('tr[data-session]').length === count, sessionCount);
  }
  filterMs.sort((a, b) => a - b);
  const heap = await page.evaluate(
    () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
  );
  console.log(
    `live view, ${sessionCount} sessions, risk ${sessionCount}/s: all rows in ${rowsMs.toFixed(0)} ms, first live risk in ${riskMs.toFixed(0)} ms`,
  );
  console.log(
    `filter while streaming: p50 ${percentile(filterMs, 50).toFixed(0)} ms, p99 ${percentile(filterMs, 99).toFixed(0)} ms over ${filterMs.length} keystrokes; JS heap ${(heap / 1024 / 1024).toFixed(1)} MiB`,
  );
} finally {
  clearInterval(feed);
  await producer.disconnect();
  await browser.close();
  await api.stop();
  await rm(outDir, { recursive: true, force: true });
}
