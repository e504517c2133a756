import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import test from 'node:test';
import { repoPath, type ExamPolicy } from '@proctoflex/core';
import { createTestClickHouse, eventually, freePort, uniqueName } from '@proctoflex/core/testing';
import { startSession, startTestApi, startTestStages, streamScriptedSession } from '@proctoflex/api/testing';
import { sceneFrames } from '@proctoflex/ingest/sim';
import { launchChromium } from '../infra/chromium.ts';
import { buildDashboard, signIn } from './testing.ts';

const screenshots = repoPath('dashboard/test-results');
const admin = { email: 'admin@proctoflex.test', password: 'correct horse battery' };

/**
 * The API serving a freshly built dashboard, a gateway and the stages from app policy to the
 * sinks, each on topics and databases of their own, and Chromium: shared by the tests below.
 */
async function startStack() {
  await mkdir(screenshots, { recursive: true });
  const dashboard = await buildDashboard();
  const clickhouse = await createTestClickHouse('it_dashboard');
  const gatewayPort = await freePort();
  const api = await startTestApi({
    CLICKHOUSE_URL: clickhouse.url,
    API_DASHBOARD_DIR: dashboard.dir,
    API_INGEST_URL: `http://127.0.0.1:${gatewayPort}`,
    API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
    API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
  });
  const { call } = api;
  const stages = await startTestStages(api, gatewayPort, { clickhouseUrl: clickhouse.url, face: true });
  const browser = await launchChromium();
  const { accessToken: adminToken } = await api.login(admin.email, admin.password);
  const user = async (role: string, displayName: string) => {
    const email = `${uniqueName(role)}@proctoflex.test`;
    const password = `${role} password 1234`;
    const { body } = await call('POST', '/api/users', adminToken, { email, displayName, role, password });
    return { id: body.id as string, email, password };
  };

  /**
   * The student starts a session; the simulator streams 45 s of a candidate who opens forbidden
   * apps and sites from second 20 to 40 (the session stays open: no ENDED).
   */
  const streamForbiddenApp = async (examId: string, student: { id: string; email: string; password: string }) => {
    const studentToken = (await api.login(student.email, student.password)).accessToken;
    const grant = (await startSession(call, examId, studentToken)).body as {
      sessionId: string;
      ingestUrl: string;
      ingestToken: string;
    };
    const claims = { sessionId: grant.sessionId, examId, candidateId: student.id };
    await streamScriptedSession(grant, claims, 'forbidden-app', 45, { ended: false });
    return grant;
  };

  return {
    api,
    call,
    adminToken,
    user,
    streamForbiddenApp,
    baseUrl: `http://127.0.0.1:${api.port}`,
    dashboardBytes: dashboard.files.reduce((sum, [, size]) => sum + size, 0),
    newPage: async () => (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage(),
    stop: async () => {
      await browser.close();
      await stages.stop();
      await api.stop();
      await clickhouse.drop();
      await rm(dashboard.dir, { recursive: true, force: true });
    },
  };
}

const stackStarted = startStack();
test.after(async () => (await stackStarted).stop());

test('a proctor watches a live exam: the session appears, its risk rises, the alert reaches the queue with its evidence, and the confirmation is audited', async () => {
  const { call, adminToken, user, streamForbiddenApp, baseUrl, dashboardBytes, newPage } = await stackStarted;
  // An exam with its proctor and candidate, made through the API.
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

  const live = await newPage();
  await live.goto(`${baseUrl}/`);
  await live.getByRole('button', { name: 'Sign in' }).waitFor();
  await live.screenshot({ path: path.join(screenshots, '1-login.png') });
  await signIn(live, baseUrl, proctor.email, proctor.password);
  await live.screenshot({ path: path.join(screenshots, '2-exams.png') });
  await live.getByRole('link', { name: 'Live' }).click();
  await live.getByText('No candidate has started yet').waitFor();
  // The queue in a second tab, open before anything happens, so the alert arrives live.
  const queue = await newPage();
  await signIn(queue, baseUrl, proctor.email, proctor.password);
  await queue.getByRole('link', { name: 'Alerts' }).click();
  await queue.getByText('Nothing to review').waitFor();

  const grant = await streamForbiddenApp(examId, student);

  // The wall: a tile with the candidate's webcam thumbnail (the face stage's, through the API's cache) and risk.
  const tile = live.locator(`li[data-session="${grant.sessionId}"]`);
  await tile.waitFor({ timeout: 60_000 });
  await eventually(
    'the risk shown to rise',
    async () => Number(await tile.locator('[data-risk]').getAttribute('data-risk')) > 0,
    60_000,
  );
  assert.match(await tile.innerText(), /Sam Candidate/);
  const webcam = tile.getByRole('img', { name: 'Webcam of Sam Candidate' });
  await webcam.waitFor({ timeout: 60_000 });
  const thumbnailWidth = await webcam.evaluate((image: HTMLImageElement) =>
    image.decode().then(() => image.naturalWidth),
  );
  assert.ok(thumbnailWidth > 0 && thumbnailWidth <= 160, `a thumbnail ${thumbnailWidth} px wide`);
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
  // The wall narrowed: no candidate has ended; with an open alert, this one needs attention.
  await live.getByLabel('Show').selectOption('ended');
  await tile.waitFor({ state: 'detached' });
  await live.getByText('0 of 1 candidates shown.').waitFor();
  await live.getByLabel('Show').selectOption('attention');
  await tile.waitFor();
  // Opened as soon as it is listed: the viewer shows each evidence file as the sink seals it (the clip last).
  await queue
    .getByRole('button', { name: /Forbidden app/ })
    .first()
    .click();
  await queue.getByRole('img', { name: 'Frames around the alert' }).waitFor({ timeout: 60_000 });
  // The evidence viewer: the strip of frames decodes, the clip plays.
  const strip = queue.getByRole('img', { name: 'Frames around the alert' });
  const stripSize = await strip.evaluate((image: HTMLImageElement) =>
    image.decode().then(() => [image.naturalWidth, image.naturalHeight]),
  );
  // Frames 120 px high side by side: here the screen's, one picture every 10 s around the alert.
  assert.ok(stripSize[1] === 120 && stripSize[0]! >= 200, `a strip of frames: ${stripSize.join('x')}`);
  const clip = queue.getByLabel('Clip with audio around the alert');
  await clip.waitFor({ timeout: 60_000 });
  const played = await clip.evaluate(
    (video: HTMLVideoElement) =>
      new Promise<number>((resolve, reject) => {
        video.muted = true;
        for (const type of ['timeupdate', 'ended'])
          video.addEventListener(type, () => video.currentTime > 0 && resolve(video.currentTime));
        video.addEventListener('error', () => reject(new Error(video.error?.message ?? 'the clip does not play')));
        setTimeout(() => reject(new Error(`not playing after 20 s: ${video.readyState}`)), 20_000);
        void video.play().catch(reject);
      }),
  );
  assert.ok(played > 0, `the clip plays (at ${played} s)`);
  await queue.screenshot({ path: path.join(screenshots, '4-alert-queue.png'), fullPage: true });
  const alertId = (
    (await call('GET', `/api/alerts?examId=${examId}&rule=forbidden_app`, adminToken)).body.alerts as {
      id: string;
    }[]
  )[0]!.id;
  // Keys: j and k move through the queue (two alerts: the app and the site), c confirms.
  const items = queue.getByRole('list', { name: 'Alerts to review' }).getByRole('button');
  const selectedItem = () =>
    items.evaluateAll((buttons) => buttons.findIndex((button) => button.getAttribute('aria-current') === 'true'));
  await items.first().click();
  await queue.keyboard.press('j');
  await eventually('j selects the next alert', async () => (await selectedItem()) === 1 || undefined);
  await queue.keyboard.press('k');
  await eventually('k selects the one before', async () => (await selectedItem()) === 0 || undefined);
  await queue
    .getByRole('button', { name: /Forbidden app/ })
    .first()
    .click();
  await queue.getByRole('heading', { name: /Forbidden app/ }).waitFor();
  await queue.getByLabel('Comment').fill('ChatGPT open in the browser');
  await queue.getByLabel('Comment').blur();
  await queue.keyboard.press('c');
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
  // The site alert left: every pending one of its rule dismissed at once, with a comment.
  await queue.getByRole('heading', { name: /Forbidden domain/ }).waitFor();
  await queue.getByLabel('Comment').fill('the exam site itself');
  await queue.getByText(/Decide every pending Forbidden domain alert/).click();
  await queue.getByRole('button', { name: 'Dismiss all' }).click();
  await queue.getByRole('status').getByText('1 Forbidden domain alert dismissed.').waitFor();
  await queue.getByText('Nothing to review').waitFor();
  const { body: site } = await call('GET', `/api/alerts?examId=${examId}&rule=forbidden_domain`, adminToken);
  assert.deepEqual(
    (site.alerts as { reviewStatus: string }[]).map(({ reviewStatus }) => reviewStatus),
    ['dismissed'],
  );

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
  await live.getByRole('img', { name: 'Risk over time with alerts, signals and screen pictures' }).waitFor();
  assert.ok((await live.locator('polyline.risk').count()) === 1, 'a risk line');
  // Every signal cell is a minute inside the drawing (1000 units wide).
  const cells = await live
    .locator('rect.cell')
    .evaluateAll((rects) => rects.map((rect) => [Number(rect.getAttribute('x')), Number(rect.getAttribute('width'))]));
  assert.ok(
    cells.length > 0 && cells.every(([x, width]) => x! >= 0 && width! > 0 && x! + width! <= 1000.5),
    JSON.stringify(cells),
  );
  // What the client said, heartbeats left out.
  const events = live.getByRole('table', { name: 'Session events' });
  await events.getByRole('cell', { name: 'Started the exam' }).waitFor();
  assert.equal(await events.getByText('HEARTBEAT').count(), 0);
  // The pictures of the screen, one every 10 s of the 45: browsed, and the one nearest an event shown.
  assert.equal(await live.locator('rect.screen').count(), 4, 'a mark per picture on the drawing');
  const screen = live.getByRole('region', { name: "The candidate's screen" });
  await screen.getByText(/picture 1 of 4/).waitFor();
  await screen.getByRole('button', { name: 'Later →' }).click();
  await screen.getByRole('button', { name: 'Later →' }).click();
  await screen.getByText(/picture 3 of 4/).waitFor();
  const shown = screen.getByRole('img', { name: /^The candidate's screen at/ });
  await shown.waitFor();
  assert.deepEqual(
    await shown.evaluate((image: HTMLImageElement) =>
      image.decode().then(() => [image.naturalWidth, image.naturalHeight]),
    ),
    [1280, 720],
    'the picture itself, decoded',
  );
  assert.equal(await screen.getByRole('button', { name: /^Screen at/ }).count(), 4, 'the strip');
  await events
    .getByRole('row', { name: /Started the exam/ })
    .getByRole('button', { name: 'Screen' })
    .click();
  await screen.getByText(/picture 1 of 4/).waitFor();
  const alertRow = live.getByRole('row', { name: /Forbidden application running/ });
  await alertRow.getByRole('button', { name: 'Evidence and decisions' }).click();
  await alertRow.getByRole('img', { name: 'Evidence of Forbidden app' }).waitFor();
  await alertRow.getByText('confirmed by Pat Proctor').waitFor();
  await live.screenshot({ path: path.join(screenshots, '6-session-timeline.png'), fullPage: true });
  console.log(`dashboard: build ${(dashboardBytes / 1024).toFixed(0)} KiB`);
});

test("an instructor creates an exam that forbids an application; a candidate who opens it shows up in the exam's queue, the analytics and the exam report", async () => {
  const { api, call, adminToken, user, streamForbiddenApp, baseUrl, newPage } = await stackStarted;
  const instructor = await user('instructor', 'Ines Instructor');
  const student = await user('student', 'Kim Candidate');
  const page = await newPage();
  await signIn(page, baseUrl, instructor.email, instructor.password);
  await page.getByRole('link', { name: 'New exam' }).click();
  await page.getByLabel('Title').fill('Databases midterm');
  const now = Date.now();
  const local = (at: number) => new Date(at - new Date(at).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.getByLabel('Opens').fill(local(now - 3_600_000));
  await page.getByLabel('Closes').fill(local(now + 3_600_000));
  await page.getByLabel('Surveillance level').selectOption('STRICT');
  await page.getByLabel(/Allowed sites/).fill('exam.proctoflex.dev');
  await page
    .getByRole('group', { name: 'Candidates' })
    .getByLabel(/Kim Candidate/)
    .check();
  await page.getByText(/Rules at this level/).click();
  await page.getByLabel('Speech heard: on or off').selectOption('off');
  await page.getByLabel('No face visible: seconds').fill('15');
  await page.screenshot({ path: path.join(screenshots, '7-exam-editor.png'), fullPage: true });
  await page.getByRole('button', { name: 'Save exam' }).click();
  await page.getByRole('cell', { name: 'Databases midterm' }).waitFor();

  const { body } = await call(
    'GET',
    '/api/exams',
    (await api.login(instructor.email, instructor.password)).accessToken,
  );
  const exam = (body.exams as { id: string; title: string; candidates?: string[] }[]).find(
    ({ title }) => title === 'Databases midterm',
  )!;
  const detail = await call('GET', `/api/exams/${exam.id}`, adminToken);
  const policy = detail.body.policy as ExamPolicy;
  assert.deepEqual([policy.surveillanceLevel, detail.body.candidates], ['STRICT', [student.id]]);
  assert.deepEqual(
    policy.ruleOverrides.map(({ rule, enabled, persistSeconds }) => [rule, enabled, persistSeconds]),
    [
      ['no_face', null, 15],
      ['speech', false, null],
    ],
  );

  await page
    .getByRole('row', { name: /Databases midterm/ })
    .getByRole('link', { name: 'Alerts' })
    .click();
  await page.getByText('Nothing to review').waitFor();
  await streamForbiddenApp(exam.id, student);
  await page
    .getByRole('button', { name: /Forbidden app/ })
    .first()
    .waitFor({ timeout: 60_000 });
  await page.screenshot({ path: path.join(screenshots, '8-instructor-queue.png'), fullPage: true });
  assert.equal(await page.getByRole('button', { name: /^Confirm/ }).count(), 0, 'instructors watch, proctors decide');

  // The exam's analytics, once the ClickHouse sink has the alerts.
  const instructorToken = (await api.login(instructor.email, instructor.password)).accessToken;
  await eventually(
    'the alerts in ClickHouse',
    async () =>
      ((await call('GET', `/api/exams/${exam.id}/analytics/alert-outcomes`, instructorToken)).body.rows as unknown[])
        .length > 0,
    60_000,
  );
  await page.goto(`${baseUrl}/#/exams/${exam.id}/analytics`);
  await page.getByRole('img', { name: "Alerts per rule by the proctors' decision" }).waitFor();
  await page.getByRole('img', { name: 'Inputs with each signal present, per hour' }).waitFor();
  await page.getByRole('img', { name: 'Sessions per band of their highest risk' }).waitFor();
  await page.screenshot({ path: path.join(screenshots, '9-analytics.png'), fullPage: true });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
  await page.getByRole('heading', { name: 'Analytics: all your exams' }).waitFor();
  await page.getByRole('img', { name: "Alerts per rule by the proctors' decision" }).waitFor();

  // The exam board's report, downloaded from the list of exams.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exams' }).click();
  const examRow = page.getByRole('row', { name: /Databases midterm/ });
  for (const [format, start] of [
    ['PDF', '%PDF-'],
    ['CSV', 'exam_id,exam_title,candidate_id'],
  ] as const) {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      examRow.getByRole('button', { name: format }).click(),
    ]);
    assert.equal(file.suggestedFilename(), `Databases midterm report.${format.toLowerCase()}`);
    const saved = await readFile(await file.path(), 'utf8');
    assert.ok(saved.startsWith(start), `the ${format} report`);
    if (format === 'CSV') assert.match(saved, /Kim Candidate/);
  }

  // An admin decides them from the keyboard: e escalates one, d dismisses the other.
  const reviewer = await newPage();
  await signIn(reviewer, baseUrl, admin.email, admin.password);
  await reviewer.goto(`${baseUrl}/#/exams/${exam.id}/alerts`);
  const queued = reviewer.getByRole('list', { name: 'Alerts to review' }).getByRole('button');
  await queued.nth(1).waitFor();
  const decided: string[] = [];
  for (const key of ['e', 'd']) {
    await queued.first().click();
    const title = (await reviewer.getByRole('heading', { level: 2 }).first().innerText()).trim();
    await reviewer.keyboard.press(key);
    decided.push(title);
    await reviewer.getByRole('heading', { level: 2, name: title }).waitFor({ state: 'detached' });
  }
  await reviewer.getByText('Nothing to review').waitFor();
  const { body: reviewed } = await call('GET', `/api/alerts?examId=${exam.id}`, adminToken);
  assert.deepEqual(
    (reviewed.alerts as { reviewStatus: string }[]).map(({ reviewStatus }) => reviewStatus).sort(),
    ['dismissed', 'escalated'],
    `e and d decided ${decided.join(' and ')}`,
  );
});

test("a proctor settles a candidate's identity from the live page: reference and selfie side by side, approved, the exam may begin", async () => {
  const { call, adminToken, user, baseUrl, newPage, api } = await stackStarted;
  const proctor = await user('proctor', 'Pia Proctor');
  const student = await user('student', 'Lee Candidate');
  const exam = await call('POST', '/api/exams', adminToken, {
    title: 'Physics final',
    startsAt: new Date(Date.now() - 3_600_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    durationMinutes: 90,
  });
  const examId = exam.body.id as string;
  await call('PUT', `/api/exams/${examId}/members`, adminToken, { candidates: [student.id], proctors: [proctor.id] });
  // On record someone else than who sits down: the check leaves the session pending.
  const scenes = await sceneFrames();
  const onRecord = await call('PUT', `/api/users/${student.id}/reference-photo`, adminToken, {
    jpeg: scenes['candidate-alt'][0]!.toString('base64'),
  });
  assert.equal(onRecord.status, 200);
  const studentToken = (await api.login(student.email, student.password)).accessToken;
  const sessionId = (await startSession(call, examId, studentToken)).body.sessionId as string;
  const checked = await call('POST', `/api/sessions/${sessionId}/verification`, studentToken, {
    jpeg: scenes.candidate[0]!.toString('base64'),
  });
  assert.equal(checked.body.verification, 'pending');

  const page = await newPage();
  await signIn(page, baseUrl, proctor.email, proctor.password);
  await page.getByRole('link', { name: 'Live' }).click();
  const waiting = page.getByRole('region', { name: 'Identity checks waiting' });
  await waiting.getByRole('heading', { name: 'Lee Candidate' }).waitFor();
  for (const name of ['Reference photo of Lee Candidate', 'Photo taken at the start by Lee Candidate']) {
    const image = waiting.getByRole('img', { name });
    await image.waitFor();
    await eventually(
      `${name} shown`,
      async () => (await image.evaluate((img: HTMLImageElement) => img.naturalWidth)) > 0,
    );
  }
  await page.screenshot({ path: path.join(screenshots, '8-identity-check.png'), fullPage: true });
  await waiting.getByRole('button', { name: 'Same person: let them begin' }).click();
  await waiting.waitFor({ state: 'detached' });

  const grant = await call('POST', `/api/sessions/${sessionId}/token`, studentToken);
  assert.deepEqual([grant.body.verification, typeof grant.body.ingestToken], ['approved', 'string']);
  const { entries } = (await call('GET', `/api/audit?entityType=session&entityId=${sessionId}`, adminToken)).body as {
    entries: { action: string; actorId: string }[];
  };
  assert.deepEqual(entries[0], { ...entries[0], action: 'session.verification_decision', actorId: proctor.id });
});

test('an admin adds a proctor, imports candidates from CSV (a wrong line named and nobody imported, then everyone, enrolled, with their passwords shown once) and assigns a second instructor to the exam', async () => {
  const { api, call, adminToken, user, baseUrl, newPage } = await stackStarted;
  const instructor = await user('instructor', 'Iris Instructor');
  const instructorToken = (await api.login(instructor.email, instructor.password)).accessToken;
  const { body: created } = await call('POST', '/api/exams', instructorToken, {
    title: 'Organic chemistry',
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    endsAt: new Date(Date.now() + 90_000_000).toISOString(),
    durationMinutes: 60,
  });
  const candidatesOf = async () =>
    (await call('GET', `/api/exams/${String(created.id)}`, adminToken)).body.candidates as string[];
  const page = await newPage();
  await signIn(page, baseUrl, admin.email, admin.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();

  const proctorEmail = `${uniqueName('proctor')}@proctoflex.test`;
  const add = page.getByRole('region', { name: 'Add a user' });
  await add.getByLabel('Name').fill('Paz Proctor');
  await add.getByLabel('Email').fill(proctorEmail);
  await add.getByLabel('Role').selectOption('proctor');
  await add.getByLabel('Password').fill('proctor password 1234');
  await add.getByRole('button', { name: 'Add user' }).click();
  await add.getByText('Paz Proctor (proctor) can sign in.').waitFor();
  await page.getByRole('table', { name: 'Users' }).getByRole('cell', { name: proctorEmail }).waitFor();

  const importer = page.getByRole('region', { name: 'Import candidates from CSV' });
  const first = `${uniqueName('ana')}@import.test`;
  const second = `${uniqueName('bo')}@import.test`;
  const upload = (csv: string) =>
    importer
      .getByLabel('CSV file')
      .setInputFiles({ name: 'candidates.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await upload(`email,name\n${first},Ana Ahn\nnot an email,Bo Bad\n`);
  await importer.getByLabel('Enrol in').selectOption({ label: 'Organic chemistry' });
  await importer.getByRole('button', { name: 'Import' }).click();
  await importer.getByRole('list', { name: 'Lines to fix' }).getByText('Line 3: not an email address').waitFor();
  await importer.getByText(/nobody was imported/).waitFor();
  assert.deepEqual(await candidatesOf(), [], 'nobody imported');

  await upload(`email,name\n${first},Ana Ahn\n${second},Bo Berg\n`);
  await importer.getByRole('button', { name: 'Import' }).click();
  await importer.getByText('2 candidates imported.').waitFor();
  const passwords = importer.getByRole('table', { name: 'Passwords made for the imported candidates' });
  const password = await passwords
    .getByRole('row', { name: /Ana Ahn/ })
    .locator('code')
    .textContent();
  await page.screenshot({ path: path.join(screenshots, '10-users.png'), fullPage: true });
  await api.login(first, password ?? '');
  assert.equal((await candidatesOf()).length, 2, 'both enrolled in the exam');
  await page.getByRole('table', { name: 'Users' }).getByRole('cell', { name: second }).waitFor();

  // The admin assigns a second instructor to the exam in its editor; its members stay as they were.
  const colleague = await user('instructor', 'Ivo Instructor');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exams' }).click();
  await page
    .getByRole('row', { name: /Organic chemistry/ })
    .getByRole('link', { name: 'Edit' })
    .click();
  await page
    .getByRole('group', { name: 'Instructors' })
    .getByLabel(/Ivo Instructor/)
    .check();
  await page.getByRole('button', { name: 'Save exam' }).click();
  await page.getByRole('cell', { name: 'Organic chemistry' }).waitFor();
  const { body: assigned } = await call('GET', `/api/exams/${String(created.id)}`, adminToken);
  assert.deepEqual([assigned.instructors, (assigned.candidates as string[]).length], [[colleague.id], 2]);
  const colleagueToken = (await api.login(colleague.email, colleague.password)).accessToken;
  const { body: theirs } = await call('GET', '/api/exams', colleagueToken);
  assert.deepEqual(
    (theirs.exams as { title: string }[]).map(({ title }) => title),
    ['Organic chemistry'],
    'the assigned instructor manages it',
  );
});
