import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { build } from 'vite';
import { repoPath } from '@proctoflex/core';
import { eventually, freePort, uniqueName } from '@proctoflex/core/testing';
import { startApiGateway, startTestApi } from '@proctoflex/api/testing';
import type { Gateway } from '@proctoflex/ingest';
import { sceneFrames } from '@proctoflex/ingest/sim';
import { buildDashboard, signIn } from '../dashboard/testing.ts';
import { launchCandidateChromium, recordsInKafka, startExam } from './testing.ts';

const screenshots = repoPath('desktop/test-results');
const admin = { email: 'admin@browser.test', password: 'browser admin password' };

/** The rows of the browser client's IndexedDB queue, as the page's own scripts could read them. */
const queueInPage = `new Promise((resolve, reject) => {
  const opening = indexedDB.open('proctoflex-candidate');
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const rows = opening.result.transaction('records').objectStore('records').getAll();
    rows.onsuccess = () => resolve(rows.result.map(({ sealed }) => {
      const bytes = new Uint8Array(sealed);
      let jpeg = false;
      for (let index = 0; index + 2 < bytes.length; index += 1)
        if (bytes[index] === 0xff && bytes[index + 1] === 0xd8 && bytes[index + 2] === 0xff) jpeg = true;
      return { bytes: bytes.length, jpeg };
    }));
  };
})`;

test(
  'the browser client at /candidate/ in Chromium: sign in, consent, system check, identity, exam with webcam, microphone and screen; the speech it hears is an alert in the dashboard; a 30 s gateway outage, the tab closed during it, loses nothing',
  { timeout: 600_000 },
  async (t) => {
    const work = await mkdtemp(path.join(tmpdir(), 'browser-it-'));
    t.after(() => rm(work, { recursive: true, force: true }));
    await mkdir(screenshots, { recursive: true });
    const renderer = path.join(work, 'renderer');
    const [dashboard] = await Promise.all([
      buildDashboard(),
      build({ configFile: repoPath('desktop/vite.config.ts'), logLevel: 'warn', build: { outDir: renderer } }),
    ]);
    t.after(() => rm(dashboard.dir, { recursive: true, force: true }));
    const gatewayPort = await freePort();
    const api = await startTestApi({
      API_INGEST_URL: `http://127.0.0.1:${gatewayPort}`,
      API_DASHBOARD_DIR: dashboard.dir,
      API_CANDIDATE_DIR: renderer,
      API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
      API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    });
    t.after(() => api.stop());
    let gateway: Gateway | null = await startApiGateway(api, gatewayPort);
    t.after(() => gateway?.stop());
    // From the microphone to the proctor: voice, risk and the alerts sink; the screen's pictures
    // to the session's timeline: the evidence sink.
    const stages = [
      api.pipeline.spawnStage('voice', {}),
      api.pipeline.spawnStage('risk', {}),
      api.pipeline.spawnStage('alerts-sink', { DATABASE_URL: api.database.url }),
      api.pipeline.spawnStage('evidence-sink', {
        DATABASE_URL: api.database.url,
        EVIDENCE_KEY: api.secrets.evidence,
        EVIDENCE_DIR: api.evidenceDir,
      }),
    ];
    await Promise.all(stages.map(({ process }) => process.started));
    const browser = await launchCandidateChromium(work);
    t.after(() => browser.close());
    const baseUrl = `http://127.0.0.1:${api.port}`;

    // A STANDARD exam, its proctor, and its candidate with a reference photo: the presenter the
    // fake camera shows, from another moment of her recording.
    const { accessToken } = await api.login(admin.email, admin.password);
    const user = async (role: string, displayName: string) => {
      const account = { email: `${uniqueName(role)}@browser.test`, password: `${role} password 1234` };
      const { body } = await api.call('POST', '/api/users', accessToken, { ...account, displayName, role });
      return { ...account, id: body.id as string };
    };
    const [student, proctor] = await Promise.all([user('student', 'Bea Browser'), user('proctor', 'Pat Proctor')]);
    const { body: exam } = await api.call('POST', '/api/exams', accessToken, {
      title: 'Physics final',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      durationMinutes: 90,
    });
    const examId = exam.id as string;
    await api.call('PUT', `/api/exams/${examId}/members`, accessToken, {
      candidates: [student.id],
      proctors: [proctor.id],
    });
    const photo = (await sceneFrames()).candidate[6]!;
    const put = await api.call('PUT', `/api/users/${student.id}/reference-photo`, accessToken, {
      jpeg: photo.toString('base64'),
    });
    assert.equal(put.status, 200);

    const page = await (await browser.newContext()).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    const uncaught: string[] = [];
    page.on('pageerror', (error) => uncaught.push(error.message));
    // The browser's own reports (a refused connection while the gateway is away), for a failure's output.
    const consoleErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    const connection = page.getByTestId('connection');
    // The page's screen shares, so that the test can end one as the browser's own "Stop sharing" does.
    await page.addInitScript(`{
      const share = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
      window.__screens = [];
      navigator.mediaDevices.getDisplayMedia = async (options) => {
        const stream = await share(options);
        window.__screens.push(stream);
        return stream;
      };
    }`);
    try {
      await page.goto(`${baseUrl}/candidate`);
      assert.equal(page.url(), `${baseUrl}/candidate/`, 'the page is served below its own path');
      await startExam(page, student, 'Physics final');

      const check = page.getByRole('list', { name: 'System check' });
      await check.getByText('Camera: ✓ working').waitFor();
      await check.getByText('Microphone: ✓ working').waitFor();
      await check.getByText('Screen sharing: ✓ working').waitFor();
      await check.getByText('Connection to the exam server: ✓ reachable').waitFor();
      // Said, not hidden: what a browser cannot check.
      await check.getByText('Forbidden applications: ! not checked: a browser cannot see other applications').waitFor();
      await check.getByText('Virtual machine: ! not checked: a browser cannot tell').waitFor();
      await page.screenshot({ path: path.join(screenshots, 'browser-1-system-check.png') });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Take photo' }).click();
      await page.getByRole('button', { name: 'Use this photo and begin the exam' }).click();
      await connection.getByText('Connected').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(screenshots, 'browser-2-exam.png'), fullPage: true });
      const { sessions } = (await api.call('GET', `/api/exams/${examId}/sessions`, accessToken)).body as {
        sessions: { id: string; verification: string }[];
      };
      assert.deepEqual(
        sessions.map(({ verification }) => verification),
        ['verified'],
        'the selfie matched the photo on record',
      );
      const sessionId = sessions[0]!.id;

      // The fixture's speech, heard by the page, scored by the voice model, is an alert in the proctor's queue.
      const dashboardPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await signIn(dashboardPage, baseUrl, proctor.email, proctor.password);
      await dashboardPage.getByRole('link', { name: 'Alerts' }).click();
      await dashboardPage
        .getByRole('list', { name: 'Alerts to review' })
        .getByRole('button', { name: /speech/i })
        .first()
        .waitFor({ timeout: 90_000 });
      await dashboardPage.screenshot({ path: path.join(screenshots, 'browser-3-alert.png') });

      // The proctor reaches the candidate from the session's page; each is on the candidate's
      // page moments after the click (both clocks are this machine's), and acknowledged there.
      await dashboardPage.goto(`${baseUrl}/#/sessions/${sessionId}`);
      const reach = dashboardPage.getByRole('region', { name: 'Reach the candidate' });
      await dashboardPage.evaluate("document.addEventListener('click', () => (window.__clickedAt = Date.now()), true)");
      const shownAfterClick = async (button: string, text: string, shown: string) => {
        if (text) await reach.getByLabel('What the candidate is told').fill(text);
        await reach.getByRole('button', { name: button }).click();
        const seenAt = await page.waitForFunction(
          `[...document.querySelectorAll('[role=alertdialog]')].some((dialog) => dialog.getAttribute('aria-label') === ${JSON.stringify(shown)}) && Date.now()`,
          undefined,
          { polling: 20, timeout: 30_000 },
        );
        const latency = Number(await seenAt.jsonValue()) - Number(await dashboardPage.evaluate('window.__clickedAt'));
        const dialog = page.getByRole('alertdialog', { name: shown });
        if (text) await dialog.getByText(text).waitFor();
        return { latency, dialog };
      };
      const message = await shownAfterClick(
        'Send message',
        'Please show your desk to the camera.',
        'Message from your proctor',
      );
      await page.screenshot({ path: path.join(screenshots, 'browser-3b-message.png') });
      await message.dialog.getByRole('button', { name: 'OK, understood' }).click();
      await message.dialog.waitFor({ state: 'detached' });
      const sent = reach.getByRole('table', { name: 'Sent to the candidate' });
      await sent
        .getByRole('row', { name: /Please show your desk/ })
        .getByText(/^read /)
        .waitFor();
      const pause = await shownAfterClick('Pause', 'We need to check your room.', 'Your proctor paused the exam');
      await page.getByRole('alert', { name: 'Exam paused' }).getByText('We need to check your room.').waitFor();
      await page.screenshot({ path: path.join(screenshots, 'browser-3c-paused.png') });
      await pause.dialog.getByRole('button', { name: 'OK, understood' }).click();
      const resume = await shownAfterClick('Resume', '', 'Your proctor resumed the exam');
      await page.getByRole('alert', { name: 'Exam paused' }).waitFor({ state: 'detached' });
      await resume.dialog.getByRole('button', { name: 'OK, understood' }).click();
      await sent
        .getByRole('row', { name: /Resumed/ })
        .getByText(/^read /)
        .waitFor();
      await dashboardPage.screenshot({ path: path.join(screenshots, 'browser-3d-reach.png'), fullPage: true });
      console.log(
        `intervention: shown on the candidate's page ${message.latency} ms (message), ${pause.latency} ms (pause), ${resume.latency} ms (resume) after the proctor's click`,
      );

      // The candidate stops sharing the screen: told, asked to share it again, and both reported.
      await page.evaluate(
        "const [track] = window.__screens.at(-1).getVideoTracks(); track.stop(); track.dispatchEvent(new Event('ended'))",
      );
      const stopped = page.getByRole('alert', { name: 'Screen sharing stopped' });
      await stopped.waitFor();
      await page.screenshot({ path: path.join(screenshots, 'browser-4-screen-stopped.png') });
      await stopped.getByRole('button', { name: 'Share your entire screen again' }).click();
      await stopped.waitFor({ state: 'detached' });

      // 30 s without the gateway: the page queues in IndexedDB, encrypted, and sends it all after.
      await gateway.stop();
      gateway = null;
      const outageStarted = Date.now();
      await connection.getByText('Offline').waitFor({ timeout: 30_000 });
      await page.waitForTimeout(Math.max(0, 30_000 - (Date.now() - outageStarted)));
      const queued = await page.evaluate<{ bytes: number; jpeg: boolean }[]>(queueInPage);
      assert.ok(queued.length >= 30, `${queued.length} records queued in 30 s offline`);
      assert.ok(
        queued.every(({ jpeg }) => !jpeg),
        'no picture readable in the queue: every record is encrypted',
      );
      await page.screenshot({ path: path.join(screenshots, 'browser-5-offline.png') });
      // The candidate closes the tab while offline; back online, they open it again and resume:
      // what the closed tab queued is sent too.
      await page.reload();
      gateway = await startApiGateway(api, gatewayPort);
      await startExam(page, student, 'Physics final');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Take photo' }).click();
      await page.getByRole('button', { name: 'Use this photo and begin the exam' }).click();
      await connection.getByText('Connected').waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: 'End exam' }).click();
      await page.getByTestId('finished').getByText('Everything was sent').waitFor({ timeout: 90_000 });
      assert.deepEqual(await page.evaluate(queueInPage), [], 'the queue is emptied once everything was sent');

      const { records, resent } = await recordsInKafka(api.pipeline.topics, examId);
      assert.deepEqual(
        records.map(({ record }) => record.seq),
        records.map((_, index) => index),
        'every seq from 0 on, none missing',
      );
      const kinds = new Set(records.map(({ kind, record }) => (kind === 'FRAME' ? String(record.source) : kind)));
      assert.deepEqual(
        [...kinds].sort(),
        ['AUDIO', 'SCREEN', 'SESSION', 'WEBCAM'],
        'no process snapshot from a browser',
      );
      const events = records.filter(({ kind }) => kind === 'SESSION').map(({ record }) => record);
      assert.deepEqual(
        events.filter(({ type }) => type === 'STARTED').map(({ seq }) => seq),
        [0],
        'started once, not again when resumed',
      );
      assert.match(String(events[0]!.clientVersion), /^proctoflex-browser\//);
      assert.equal(events.at(-1)!.type, 'ENDED');
      const share = events.filter(({ type }) => String(type).startsWith('SCREEN_SHARE'));
      assert.deepEqual(
        share.map(({ type }) => type),
        ['SCREEN_SHARE_STOPPED', 'SCREEN_SHARE_RESUMED'],
      );
      const screens = records.filter(({ record }) => record.source === 'SCREEN').map(({ record }) => record);
      assert.ok(
        screens.some(({ captureTime }) => captureTime >= share[1]!.captureTime),
        'the screen shared again is captured',
      );
      assert.ok(
        !screens.some(({ captureTime }) => captureTime > share[0]!.captureTime && captureTime < share[1]!.captureTime),
        'nothing of a stopped share is sent',
      );
      // Every picture of the screen is kept and on the session's timeline, as the page took it.
      const kept = await eventually(
        'the screen pictures on the timeline',
        async () => {
          const { body } = await api.call('GET', `/api/sessions/${sessionId}/timeline`, accessToken);
          const listed = body.screens as { seq: number; url: string }[];
          return listed.length === screens.length ? listed : undefined;
        },
        60_000,
      );
      assert.deepEqual(
        kept.map(({ seq }) => seq),
        screens.map(({ seq }) => seq),
      );
      const last = await fetch(`${baseUrl}${kept.at(-1)!.url}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      assert.ok(Buffer.from(await last.arrayBuffer()).equals(screens.at(-1)!.jpeg as Buffer), 'the JPEG the page sent');
      const outageEnd = outageStarted + 30_000;
      const capturedOffline = records.filter(
        ({ record }) => record.captureTime > outageStarted + 1000 && record.captureTime < outageEnd - 1000,
      );
      assert.ok(
        capturedOffline.length >= 28,
        `${capturedOffline.length} records captured during the outage reached Kafka`,
      );
      const { body: session } = await api.call('GET', `/api/sessions/${sessionId}`, accessToken);
      assert.equal(session.status, 'ended', 'the session is ended at the API once everything was sent');
      assert.deepEqual(uncaught, [], 'no uncaught error in the page');
      console.log(`browser: ${records.length} records (${resent} resent), ${queued.length} queued in the outage`);
    } catch (error) {
      await page.screenshot({ path: path.join(screenshots, 'browser-failure.png') });
      console.log(await page.locator('body').innerText(), uncaught, consoleErrors);
      throw error;
    }
  },
);
