import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { createLogger, createMetricsRegistry, repoPath, type Display, type RecordKind } from '@proctoflex/core';
import { eventually, freePort, uniqueName } from '@proctoflex/core/testing';
import { startTestApi } from '@proctoflex/api/testing';
import { Gateway, loadIngestConfig } from '@proctoflex/ingest';
import { sceneFrames } from '@proctoflex/ingest/sim';
import { CandidateApi } from './src/api.ts';
import { buildDesktop } from './build.ts';
import { createIpcHandlers } from './src/ipc.ts';
import { linuxInspector } from './src/machine/linux.ts';
import type { UploadStatus } from './src/uploader.ts';
import {
  exposeBridge,
  launchCandidateChromium,
  recordsInKafka,
  serveRenderer,
  startExam as startCandidateExam,
} from './testing.ts';

const screenshots = repoPath('desktop/test-results');
const admin = { email: 'admin@desktop.test', password: 'desktop admin password' };

/**
 * The API and a gateway (on topics and a database of their own), the built renderer served on
 * localhost and Chromium with the fixture camera and microphone: shared by the tests below.
 */
async function startStack() {
  const work = await mkdtemp(path.join(tmpdir(), 'desktop-it-'));
  await mkdir(screenshots, { recursive: true });
  const gatewayPort = await freePort();
  const api = await startTestApi({
    API_INGEST_URL: `http://127.0.0.1:${gatewayPort}`,
    API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
    API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
  });
  const gatewayConfig = loadIngestConfig({
    ...api.pipeline.topics,
    INGEST_TOKEN_SECRET: api.secrets.ingest,
    INGEST_PORT: String(gatewayPort),
    INGEST_METRICS_PORT: '0',
  });
  let gateway: Gateway | null = null;
  const startGateway = async () => {
    gateway = new Gateway(gatewayConfig, createLogger('ingest', 'warn'), createMetricsRegistry('ingest'));
    await gateway.start();
  };
  const stopGateway = async () => {
    await gateway?.stop();
    gateway = null;
  };
  await startGateway();
  const built = await buildDesktop(path.join(work, 'app'));
  const renderer = await serveRenderer(path.join(built, 'renderer'));
  const browser = await launchCandidateChromium(work);
  const { accessToken } = await api.login(admin.email, admin.password);

  /** A student who is a candidate of a new STRICT exam, open now for another hour. */
  const candidate = async () => {
    const student = { email: `${uniqueName('student')}@desktop.test`, password: 'student password 1234' };
    const { body: user } = await api.call('POST', '/api/users', accessToken, {
      ...student,
      displayName: 'Casey Candidate',
      role: 'student',
    });
    const { body: exam } = await api.call('POST', '/api/exams', accessToken, {
      title: 'Chemistry final',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      durationMinutes: 90,
      surveillanceLevel: 'STRICT',
      allowedApps: ['calculator'],
    });
    await api.call('PUT', `/api/exams/${String(exam.id)}/members`, accessToken, {
      candidates: [user.id],
      proctors: [],
    });
    return { student, studentId: user.id as string, examId: exam.id as string };
  };

  /**
   * A page of the app, its bridge wired to main-process handlers in this process as main.ts
   * wires them, with `displays` standing for Electron's screen module (absent outside Electron).
   */
  const openApp = async (displays: Display[]) => {
    const statuses: UploadStatus[] = [];
    const lockdowns: unknown[] = [];
    const page = await (await browser.newContext()).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    const { notify, notifyIntervention } = await exposeBridge(page, () => handlers);
    const handlers = createIpcHandlers({
      api: new CandidateApi(`http://127.0.0.1:${api.port}`),
      dataDir: path.join(work, 'data'),
      queueKey: randomBytes(32),
      maxQueueBytes: 256 * 1024 * 1024,
      drainMs: 60_000,
      inspector: linuxInspector(),
      displays: () => displays,
      screenPermission: () => 'not-needed',
      clientVersion: 'proctoflex-desktop/test',
      notify: (status) => {
        statuses.push(status);
        notify(status);
      },
      notifyIntervention,
      onError: (error) => assert.fail(error instanceof Error ? error : String(error)),
      lockdown: (settings) => lockdowns.push(settings),
    });
    return { page, statuses, lockdowns, handlers };
  };

  return {
    work,
    api,
    accessToken,
    rendererUrl: renderer.url,
    startGateway,
    stopGateway,
    candidate,
    openApp,
    stop: async () => {
      await browser.close();
      await renderer.close();
      await stopGateway();
      await api.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

const laptop: Display[] = [{ id: '1', width: 1920, height: 1080, primary: true }];

/** Opens the app on `url` and starts the chemistry exam, the recording notice kept as a screenshot. */
async function startExam(page: Page, url: string, student: { email: string; password: string }) {
  await page.goto(url);
  await startCandidateExam(page, student, 'Chemistry final', () =>
    page.screenshot({ path: path.join(screenshots, '0-recording-notice.png') }),
  );
}

/** Runs `steps` on a fresh page; on failure keeps a screenshot and prints what the page said. */
async function onPage(page: Page, steps: () => Promise<void>) {
  try {
    await steps();
  } catch (error) {
    await page.screenshot({ path: path.join(screenshots, 'failure.png') });
    console.log(await page.locator('body').innerText());
    throw error;
  }
}

const stackStarted = startStack();
test.after(async () => (await stackStarted).stop());

test(
  'the renderer captures in Chromium at the exam rates through the main-process handlers to Kafka; a 30 s gateway outage loses and duplicates nothing',
  { timeout: 300_000 },
  async () => {
    const stack = await stackStarted;
    const { student, examId } = await stack.candidate();
    const { page, statuses, lockdowns } = await stack.openApp(laptop);
    await onPage(page, async () => {
      await startExam(page, stack.rendererUrl, student);

      const check = page.getByRole('list', { name: 'System check' });
      await check.getByText('Camera: ✓ working').waitFor();
      await check.getByText('Microphone: ✓ working').waitFor();
      await check.getByText('Screen sharing: ✓ working').waitFor();
      await check.getByText('Connection to the exam server: ✓ reachable').waitFor();
      await check.getByText('Displays: ✓ one display').waitFor();
      await page.screenshot({ path: path.join(screenshots, '1-system-check.png') });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Take photo' }).click();
      await page.getByRole('img', { name: 'Your reference' }).waitFor();
      await page.screenshot({ path: path.join(screenshots, '2-enrolment.png') });
      await page.getByRole('button', { name: 'Use this photo and begin the exam' }).click();
      await page.getByTestId('connection').getByText('Connected').waitFor();
      assert.deepEqual(
        lockdowns,
        [{ fullscreen: true, kiosk: true, blockShortcuts: true, closeForbiddenApps: true }],
        'STRICT locks down',
      );
      const began = Date.now();
      await page.screenshot({ path: path.join(screenshots, '3-exam.png'), fullPage: true });

      const latest = () => statuses.at(-1)!;
      await eventually('records of the exam acknowledged', () => Promise.resolve(latest().ackedSeq >= 20), 60_000);
      await page.keyboard.press('Control+C');
      // Playwright keeps every headless page focused, so the window's blur is dispatched here.
      await page.evaluate("window.dispatchEvent(new Event('blur')); window.dispatchEvent(new Event('focus'))");
      await stack.stopGateway();
      const outageStarted = Date.now();
      await page.getByTestId('connection').getByText('Offline').waitFor();
      // Queued on disk while offline: about 30 s of capture at STRICT's rates.
      await eventually('records queued during the outage', () => Promise.resolve(latest().queuedRecords >= 66), 90_000);
      const outageSeconds = (Date.now() - outageStarted) / 1000;
      await page.screenshot({ path: path.join(screenshots, '4-offline.png') });
      const queuedInOutage = latest().queuedRecords;
      const lastSeqInOutage = latest().lastSeq;
      await stack.startGateway();
      await page.getByTestId('connection').getByText('Connected').waitFor({ timeout: 60_000 });
      await eventually(
        "the outage's records acknowledged",
        () => Promise.resolve(latest().ackedSeq >= lastSeqInOutage),
        60_000,
      );
      await page.getByRole('button', { name: 'End exam' }).click();
      await page.getByTestId('finished').getByText('Everything was sent').waitFor({ timeout: 60_000 });
      const ended = Date.now();
      await page.screenshot({ path: path.join(screenshots, '5-ended.png') });
      assert.ok(outageSeconds < 45, `${queuedInOutage} records queued in ${outageSeconds.toFixed(0)} s offline`);
      assert.deepEqual(lockdowns.at(-1), null, 'the lockdown is lifted at the end');

      const { records, resent } = await recordsInKafka(stack.api.pipeline.topics, examId);
      assert.deepEqual(
        records.map(({ record }) => record.seq),
        records.map((_, index) => index),
        'every seq from 0 on, none missing',
      );
      const events = records.filter(({ kind }) => kind === 'SESSION').map(({ record }) => record);
      assert.equal(events[0]!.type, 'STARTED');
      assert.equal(events[0]!.clientVersion, 'proctoflex-desktop/test');
      assert.equal(events.at(-1)!.type, 'ENDED');
      assert.ok(
        events.some((event) => event.type === 'CLIPBOARD_USED' && event.detail === 'copy'),
        'Ctrl+C is told',
      );
      assert.deepEqual(
        events.map(({ type }) => String(type)).filter((type) => type.startsWith('FOCUS')),
        ['FOCUS_LOST', 'FOCUS_GAINED'],
      );

      const frames = records.filter(({ kind }) => kind === 'FRAME').map(({ record }) => record);
      assert.equal(frames[0]!.enrolment, true, 'the reference photo comes first');
      const webcam = frames.slice(1).filter((frame) => frame.source === 'WEBCAM');
      assert.ok(webcam.every((frame) => !frame.enrolment));
      const seconds = (ended - began) / 1000;
      const heartbeats = events.filter((event) => event.type === 'HEARTBEAT').length;
      assert.ok(heartbeats >= seconds / 5 - 2, `heartbeats every 5 s: ${heartbeats} in ${seconds.toFixed(0)} s`);
      // STRICT: a frame a second, audio in 1 s chunks, all through the outage.
      assert.ok(Math.abs(webcam.length - seconds) <= 3, `${webcam.length} frames in ${seconds.toFixed(1)} s`);
      const gaps = webcam.slice(1).map((frame, index) => frame.captureTime - webcam[index]!.captureTime);
      assert.ok(
        gaps.every((gap) => gap > 700 && gap < 1300),
        `a frame every second: ${gaps.join(', ')}`,
      );
      for (const frame of [webcam[0]!, webcam.at(-1)!]) {
        const image = await sharp(frame.jpeg as Buffer).metadata();
        assert.deepEqual([image.format, image.width, image.height], ['jpeg', frame.width, frame.height]);
        assert.deepEqual([frame.width, frame.height], [640, 480]);
      }

      // The screen: every 5 s at STRICT, and when the window lost and regained the focus.
      const screens = frames.filter((frame) => frame.source === 'SCREEN');
      assert.ok(
        screens.length >= seconds / 5 + 2 - 2 && screens.length <= seconds / 5 + 2 + 2,
        `${screens.length} screen pictures in ${seconds.toFixed(0)} s`,
      );
      for (const frame of screens) {
        const image = await sharp(frame.jpeg as Buffer).metadata();
        assert.deepEqual([image.format, image.width, image.height], ['jpeg', frame.width, frame.height]);
        assert.ok(!frame.enrolment && Number(frame.width) <= 1280, `${String(frame.width)}x${String(frame.height)}`);
      }

      const audio = records.filter(({ kind }) => kind === 'AUDIO').map(({ record }) => record);
      assert.ok(Math.abs(audio.length - seconds) <= 3, `${audio.length} s of audio in ${seconds.toFixed(1)} s`);
      assert.ok(audio.every((chunk) => chunk.sampleRate === 16_000 && chunk.durationMs === 1000));
      assert.ok(
        audio.every((chunk) => (chunk.pcm as Buffer).length === 32_000),
        '16 kHz s16le: 32,000 bytes a second',
      );
      const loudness = audio.map((chunk) => rms(chunk.pcm as Buffer));
      assert.ok(Math.max(...loudness) > 0.02, `the fixture's speech is heard (RMS up to ${Math.max(...loudness)})`);

      const snapshots = records.filter(({ kind }) => kind === 'PROCESS').map(({ record }) => record);
      assert.ok(
        snapshots.length >= seconds / 5 - 2,
        `process snapshots every 5 s: ${snapshots.length} in ${seconds.toFixed(0)} s`,
      );
      const processes = snapshots[0]!.processes as { pid: number; name: string }[];
      assert.ok(
        processes.some(({ pid }) => pid === process.pid),
        'this test process is among the running ones',
      );
      assert.equal(snapshots[0]!.platform, 'linux');
      console.log(
        `desktop: ${seconds.toFixed(0)} s, ${records.length} records (${resent} resent), ${webcam.length} frames, ${audio.length} audio chunks, ${snapshots.length} snapshots; ${queuedInOutage} queued in the outage`,
      );
      const { body: session } = await stack.api.call(
        'GET',
        `/api/sessions/${String(events[0]!.sessionId)}`,
        stack.accessToken,
      );
      assert.equal(session.status, 'ended', 'the session is ended at the API once everything was sent');
      assert.ok(!existsSync(path.join(stack.work, 'data', 'sessions', String(session.id))), 'its queue is deleted');
    });
  },
);

test('the system check names each failure with its fix and holds the exam back until they are fixed', async () => {
  const stack = await stackStarted;
  const { student } = await stack.candidate();
  // A second display attached, the gateway down, and a window shared instead of the screen.
  const { page } = await stack.openApp([...laptop, { id: '2', width: 2560, height: 1440, primary: false }]);
  await page.addInitScript(`{
    const share = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getDisplayMedia = () => share({ video: { displaySurface: 'window' } });
  }`);
  await onPage(page, async () => {
    await stack.stopGateway();
    try {
      await startExam(page, stack.rendererUrl, student);
      const check = page.getByRole('list', { name: 'System check' });
      await check.getByText('Displays: ✗ more than one display: disconnect all but one').waitFor();
      await check
        .getByText(
          'Screen sharing: ✗ a window was shared, not the entire screen: press Check again and share your entire screen',
        )
        .waitFor();
      await check
        .getByText(/Connection to the exam server: ✗ .* cannot be reached: .*check your internet connection/)
        .waitFor();
      await page.screenshot({ path: path.join(screenshots, '6-failed-check.png') });
      assert.equal(await page.getByRole('button', { name: 'Continue' }).isDisabled(), true);
    } finally {
      await stack.startGateway();
    }
    await page.getByRole('button', { name: 'Check again' }).click();
    await page
      .getByRole('list', { name: 'System check' })
      .getByText('Connection to the exam server: ✓ reachable')
      .waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Continue' }).isDisabled(),
      true,
      'the second display still counts',
    );
  });
});

test('application lockdown on Linux: a forbidden application running holds the exam back until closed; one started during a STRICT exam is closed and reported', async () => {
  const stack = await stackStarted;
  const { student, examId } = await stack.candidate();
  const { page, handlers } = await stack.openApp(laptop);
  // A forbidden application for real: a copy of sleep named as the catalogue names Discord.
  await mkdir(path.join(stack.work, 'bin'), { recursive: true });
  const discord = path.join(stack.work, 'bin', 'Discord');
  await copyFile(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), discord);
  const run = () => {
    const child = spawn(discord, ['600'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_, signal) => resolve(signal)));
    return { child, exited };
  };
  const before = run();
  try {
    await onPage(page, async () => {
      await startExam(page, stack.rendererUrl, student);
      const check = page.getByRole('list', { name: 'System check' });
      await check.getByText('Forbidden applications: ✗ discord running: close it').waitFor();
      await page.screenshot({ path: path.join(screenshots, '7-forbidden-app.png') });
      assert.equal(await page.getByRole('button', { name: 'Continue' }).isDisabled(), true);
      await assert.rejects(handlers.beginExam(), /close discord first/, 'the main process refuses to begin too');

      before.child.kill();
      await before.exited;
      await page.getByRole('button', { name: 'Check again' }).click();
      await check.getByText('Forbidden applications: ✓ none running').waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Take photo' }).click();
      await page.getByRole('button', { name: 'Use this photo and begin the exam' }).click();
      await page.getByTestId('connection').getByText('Connected').waitFor();

      const during = run();
      const started = Date.now();
      const timeout = setTimeout(() => during.child.kill('SIGKILL'), 30_000);
      const signal = await during.exited;
      clearTimeout(timeout);
      // STRICT snapshots every 5 s; the client ends it with SIGTERM (the test's own timeout would SIGKILL).
      assert.equal(signal, 'SIGTERM', `closed by the client after ${Date.now() - started} ms`);
      await page.getByRole('button', { name: 'End exam' }).click();
      await page.getByTestId('finished').getByText('Everything was sent').waitFor({ timeout: 60_000 });
    });
  } finally {
    before.child.kill('SIGKILL');
  }

  const { records } = await recordsInKafka(stack.api.pipeline.topics, examId);
  const ofExam = (kind: RecordKind) => records.filter((sent) => sent.kind === kind).map(({ record }) => record);
  const closed = ofExam('SESSION').filter(({ type }) => type === 'APP_CLOSED');
  assert.deepEqual(
    closed.map(({ detail }) => detail),
    ['discord'],
    'the closing is reported once',
  );
  const snapshots = ofExam('PROCESS') as unknown as { processes: { name: string }[] }[];
  assert.ok(
    snapshots.some(({ processes }) => processes.some(({ name }) => name === 'Discord')),
    'the snapshot that found it is sent, for the app-policy processor',
  );
});

test('identity before the exam: a selfie matching the reference photo begins the exam; another waits for a proctor, then begins', async () => {
  const stack = await stackStarted;
  const scenes = await sceneFrames();
  const { call } = stack.api;
  /** Takes the selfie (the fake camera shows the simulator's presenter) and asks to begin. */
  const takeSelfie = async (page: Page) => {
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Take photo' }).click();
    await page.getByRole('button', { name: 'Use this photo and begin the exam' }).click();
  };
  const endExam = async (page: Page) => {
    await page.getByRole('button', { name: 'End exam' }).click();
    await page.getByTestId('finished').getByText('Everything was sent').waitFor({ timeout: 60_000 });
  };

  // On record: the presenter, from another moment of her recording.
  const same = await stack.candidate();
  const put = (studentId: string, jpeg: Buffer) =>
    call('PUT', `/api/users/${studentId}/reference-photo`, stack.accessToken, { jpeg: jpeg.toString('base64') });
  assert.equal((await put(same.studentId, scenes.candidate[6]!)).status, 200);
  const first = await stack.openApp(laptop);
  await onPage(first.page, async () => {
    await startExam(first.page, stack.rendererUrl, same.student);
    await takeSelfie(first.page);
    await first.page.getByTestId('connection').getByText('Connected').waitFor();
    // A proctor ends it with a reason: the app, following the session's interventions, says why and ends the exam.
    const [running] = (
      (await call('GET', `/api/exams/${same.examId}/sessions`, stack.accessToken)).body as {
        sessions: { id: string }[];
      }
    ).sessions;
    const ended = await call('POST', `/api/sessions/${running!.id}/interventions`, stack.accessToken, {
      kind: 'end',
      text: 'The exam room closes early today.',
    });
    assert.equal(ended.status, 201);
    await first.page
      .getByRole('alert', { name: 'Ended by your proctor' })
      .getByText('The exam room closes early today.')
      .waitFor({ timeout: 30_000 });
    await first.page.getByTestId('finished').waitFor({ timeout: 60_000 });
    const { interventions } = (await call('GET', `/api/sessions/${running!.id}/interventions`, stack.accessToken))
      .body as { interventions: { acknowledgedAt: string | null }[] };
    assert.ok(interventions[0]!.acknowledgedAt, 'acknowledged by the app as shown');
  });
  const { sessions } = (await call('GET', `/api/exams/${same.examId}/sessions`, stack.accessToken)).body as {
    sessions: { id: string; verification: string }[];
  };
  assert.deepEqual(
    sessions.map(({ verification }) => verification),
    ['verified'],
  );

  // On record: someone else. The candidate waits until the admin approves.
  const other = await stack.candidate();
  assert.equal((await put(other.studentId, scenes['candidate-alt'][0]!)).status, 200);
  const second = await stack.openApp(laptop);
  await onPage(second.page, async () => {
    await startExam(second.page, stack.rendererUrl, other.student);
    await takeSelfie(second.page);
    await second.page.getByRole('heading', { name: 'Waiting for a proctor' }).waitFor();
    await second.page.screenshot({ path: path.join(screenshots, '8-identity-waiting.png') });
    assert.equal(second.statuses.length, 0, 'nothing is sent while the identity waits');
    const [waiting] = (
      (await call('GET', `/api/exams/${other.examId}/sessions`, stack.accessToken)).body as {
        sessions: { id: string; verification: string }[];
      }
    ).sessions;
    assert.equal(waiting!.verification, 'pending');
    const decided = await call('POST', `/api/sessions/${waiting!.id}/verification/decision`, stack.accessToken, {
      decision: 'approve',
    });
    assert.equal(decided.status, 200);
    await second.page.getByTestId('connection').getByText('Connected').waitFor({ timeout: 30_000 });
    await endExam(second.page);
  });
});

/** Root mean square of s16le samples, 0..1. */
function rms(pcm: Buffer): number {
  let sum = 0;
  for (let offset = 0; offset < pcm.length; offset += 2) sum += (pcm.readInt16LE(offset) / 32768) ** 2;
  return Math.sqrt(sum / (pcm.length / 2));
}
