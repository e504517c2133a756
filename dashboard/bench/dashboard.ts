import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Partitioners } from 'kafkajs';
import sharp from 'sharp';
import { percentile, repoPath, type RiskUpdate, type Thumbnail } from '@proctoflex/core';
import { testKafka } from '@proctoflex/core/testing';
import { startTestApi } from '@proctoflex/api/testing';
import { launchChromium } from '../../infra/chromium.ts';
import { buildDashboard } from '../testing.ts';

/**
 * `npm run bench:dashboard [sessions] [seconds]`: the built dashboard's size, then the live wall of
 * one exam with `sessions` candidates in Chromium (1280x800) while each one's risk arrives once a
 * second and its webcam thumbnail every 4 s (as the face stage writes them; real photos,
 * models/fixtures/identity): time from opening the page to every tile, and to every picture;
 * the page's main-thread time per second while it only follows updates; frame times while the
 * wall is scrolled from top to bottom; how long the filter takes to answer a keystroke; the JS
 * heap. API, Kafka and browser share the machine. Leaves a screenshot of the wall in
 * dashboard/test-results/wall.png.
 */
const sessionCount = Number(process.argv[2] ?? '200');
const seconds = Number(process.argv[3] ?? '30');
const thumbnailEveryMs = 4000;
const tickMs = 100;
const admin = { email: 'admin@bench.test', password: 'bench admin password' };

const { dir: outDir, files, ms: buildMs } = await buildDashboard();
console.log(`\nbuild: ${buildMs.toFixed(0)} ms`);
for (const [file, size] of files) console.log(`  ${file}: ${(size / 1024).toFixed(1)} KiB`);

/** 160 px JPEGs of real faces, as the face stage makes them of webcam frames. */
const photoDir = repoPath('models/fixtures/identity');
const faces = await Promise.all(
  (await readdir(photoDir))
    .filter((name) => name.endsWith('.jpg'))
    .map(async (name) =>
      sharp(await readFile(path.join(photoDir, name)))
        .resize({ width: 160, height: 160, fit: 'inside' })
        .jpeg({ quality: 70 })
        .toBuffer({ resolveWithObject: true }),
    ),
);

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

  // Each tick: risk of a tenth of the sessions (each once a second), thumbnails of a fortieth (each every 4 s).
  await producer.connect();
  const { RISK_TOPIC: riskTopic, THUMBNAILS_TOPIC: thumbnailsTopic } = api.pipeline.topics;
  const { serde } = api.pipeline;
  const thumbnailGroups = thumbnailEveryMs / tickMs;
  const send = (tick: number) => {
    const risks = sessions
      .map((session, index) => ({ ...session, index }))
      .filter(({ index }) => index % 10 === tick % 10)
      .map(({ id, candidateId, index }) => {
        // Most candidates low, a few high, each drifting a little: as in an exam under way.
        const riskScore = Math.min(100, ((index * 37) % 100) ** 2 / 100 + ((tick + index) % 5));
        const update: RiskUpdate = {
          sessionId: id,
          examId,
          candidateId,
          riskScore,
          level: riskScore >= 70 ? 'HIGH' : riskScore >= 40 ? 'MEDIUM' : 'LOW',
          captureTime: Date.now(),
          computedTime: Date.now(),
          contributions: [],
        };
        return { key: id, value: serde.encode(riskTopic, update) };
      });
    const thumbnails = sessions
      .map((session, index) => ({ session, index }))
      .filter(({ index }) => index % thumbnailGroups === tick % thumbnailGroups)
      .map(({ session, index }) => {
        const face = faces[(index + Math.floor(tick / thumbnailGroups)) % faces.length]!;
        const thumbnail: Thumbnail = {
          sessionId: session.id,
          examId,
          captureTime: Date.now(),
          width: face.info.width,
          height: face.info.height,
          jpeg: face.data,
        };
        return { key: session.id, value: serde.encode(thumbnailsTopic, thumbnail) };
      });
    return producer.sendBatch({
      topicMessages: [
        { topic: riskTopic, messages: risks },
        { topic: thumbnailsTopic, messages: thumbnails },
      ],
    });
  };
  // Every session's first thumbnail before the page opens, as in an exam under way.
  for (let tick = 0; tick < thumbnailGroups; tick += 1) await send(tick);
  let tick = thumbnailGroups;
  feed = setInterval(() => void send((tick += 1)), tickMs);

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const base = `http://127.0.0.1:${api.port}`;
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Exams' }).waitFor();

  const opened = performance.now();
  await page.goto(`${base}/#/exams/${examId}/live`);
  const countIs = (selector: string, count: number) =>
    page.waitForFunction(([css, n]) => document.querySelectorAll(css).length === n, [selector, count] as const, {
      timeout: 60_000,
    });
  await countIs('li[data-session]', sessionCount);
  const tilesMs = performance.now() - opened;
  await countIs('li[data-session] img', sessionCount);
  const picturesMs = performance.now() - opened;

  // Following updates, untouched: main-thread time the page spends per second.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const value = (name: string) => metrics.find((metric) => metric.name === name)?.value ?? 0;
    return { task: value('TaskDuration'), script: value('ScriptDuration'), layout: value('LayoutDuration') };
  };
  const before = await busy();
  const watchStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await busy();
  const watchedS = (performance.now() - watchStarted) / 1000;
  const perSecond = (key: keyof typeof before) => ((after[key] - before[key]) * 1000) / watchedS;

  await mkdir(repoPath('dashboard/test-results'), { recursive: true });
  await page.screenshot({ path: repoPath('dashboard/test-results/wall.png') });

  // Scrolled top to bottom, 300 px a frame, while updates go on: frame times.
  // A string: tsx would wrap a named function in a helper the page does not have.
  const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
    const times = [];
    let last = performance.now();
    window.scrollTo(0, 0);
    requestAnimationFrame(function step(now) {
      times.push(now - last);
      last = now;
      if (window.scrollY >= document.documentElement.scrollHeight - window.innerHeight) return resolve(times);
      window.scrollBy(0, 300);
      requestAnimationFrame(step);
    });
  })`);
  frames.sort((a, b) => a - b);

  // Keystrokes into the filter while updates stream in: time until the wall answers.
  const filterMs: number[] = [];
  const deadline = Date.now() + 10_000;
  for (let round = 0; Date.now() < deadline; round += 1) {
    const candidate = `Candidate ${(round % sessionCount) + 1}`;
    const started = performance.now();
    await page.getByRole('searchbox').fill(candidate);
    await page.waitForFunction(
      (name) =>
        [...document.querySelectorAll('li[data-session] .name')].every((cell) => cell.textContent?.includes(name)),
      candidate,
    );
    filterMs.push(performance.now() - started);
    await page.getByRole('searchbox').fill('');
    await countIs('li[data-session]', sessionCount);
  }
  filterMs.sort((a, b) => a - b);
  const heap = await page.evaluate(
    () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
  );
  console.log(
    `live wall, ${sessionCount} candidates, risk ${sessionCount}/s, thumbnails ${((sessionCount * 1000) / thumbnailEveryMs).toFixed(0)}/s:`,
  );
  console.log(`  opened: every tile in ${tilesMs.toFixed(0)} ms, every picture in ${picturesMs.toFixed(0)} ms`);
  console.log(
    `  following updates for ${watchedS.toFixed(0)} s: main thread ${perSecond('task').toFixed(0)} ms/s busy (script ${perSecond('script').toFixed(0)}, layout ${perSecond('layout').toFixed(0)})`,
  );
  console.log(
    `  scrolled top to bottom: ${frames.length} frames, p50 ${percentile(frames, 50).toFixed(1)} ms, p95 ${percentile(frames, 95).toFixed(1)} ms, max ${percentile(frames, 100).toFixed(1)} ms`,
  );
  console.log(
    `  filter: p50 ${percentile(filterMs, 50).toFixed(0)} ms, p99 ${percentile(filterMs, 99).toFixed(0)} ms over ${filterMs.length} keystrokes; JS heap ${(heap / 1024 / 1024).toFixed(1)} MiB`,
  );
} finally {
  clearInterval(feed);
  await producer.disconnect();
  await browser.close();
  await api.stop();
  await rm(outDir, { recursive: true, force: true });
}
