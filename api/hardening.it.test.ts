import assert from 'node:assert/strict';
import test from 'node:test';
import { admin, liveStream, startTestApi, twoExams } from './src/testing.ts';

// One API for these tests (each starts its own users); API_LOGIN_MAX_FAILURES as startApi's.
const apiStarted = startTestApi({
  API_LOGIN_MAX_FAILURES: '3',
  API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
  API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
});
test.after(async () => (await apiStarted).stop());

test('50 parallel sign-ins check at most API_LOGIN_MAX_FAILURES passwords; locked and unknown accounts get one answer', async () => {
  const api = await apiStarted;
  const { accessToken } = await api.login(admin.email, admin.password);
  const user = { email: 'locked@proctoflex.test', password: 'the right password 1234' };
  const created = await api.call('POST', '/api/users', accessToken, {
    ...user,
    displayName: 'Locked',
    role: 'proctor',
  });
  assert.equal(created.status, 201);
  const attempts = await Promise.all(
    Array.from({ length: 50 }, (_, index) =>
      api.call('POST', '/api/auth/login', undefined, { email: user.email, password: `wrong password ${index}` }),
    ),
  );
  assert.deepEqual(
    attempts.map(({ status }) => status),
    Array.from({ length: 50 }, () => 401),
  );
  const { rows } = await api.database.pool.query<{ failed_logins: number }>(
    'SELECT failed_logins FROM users WHERE email = $1',
    [user.email],
  );
  assert.equal(rows[0]!.failed_logins, 3, 'API_LOGIN_MAX_FAILURES (3) attempts were counted, none after the lock');
  // The right password now meets the lock, and the same answer as an unknown account.
  const locked = await api.call('POST', '/api/auth/login', undefined, user);
  const unknown = await api.call('POST', '/api/auth/login', undefined, { email: 'nobody@x.test', password: 'x' });
  assert.deepEqual([locked.status, locked.body.error], [unknown.status, unknown.body.error]);
});

test('logout and a reused refresh token end the sign-in: its access token stops working at once', async () => {
  const api = await apiStarted;
  const signIn = await api.login(admin.email, admin.password);
  const other = await api.login(admin.email, admin.password);
  assert.equal((await api.call('GET', '/api/me', signIn.accessToken)).status, 200);
  assert.equal(
    (await api.call('POST', '/api/auth/logout', undefined, { refreshToken: signIn.refreshToken })).status,
    204,
  );
  assert.equal((await api.call('GET', '/api/me', signIn.accessToken)).status, 401, 'logged out');
  assert.equal((await api.call('GET', '/api/me', other.accessToken)).status, 200, 'another sign-in lives on');

  const refreshed = await api.call('POST', '/api/auth/refresh', undefined, { refreshToken: other.refreshToken });
  assert.equal(refreshed.status, 200);
  assert.equal(
    (await api.call('POST', '/api/auth/refresh', undefined, { refreshToken: other.refreshToken })).status,
    401,
  );
  for (const accessToken of [other.accessToken, refreshed.body.accessToken as string]) {
    const { status, body } = await api.call('GET', '/api/me', accessToken);
    assert.equal(status, 401, 'a reused refresh token revokes every token of the sign-in');
    assert.match(body.error as string, /sign-in was ended/);
  }
});

test('live streams are re-checked while open: a proctor taken off the exam or disabled stops receiving', async (t) => {
  const api = await apiStarted;
  const { adminToken, instructorA, proctorA, proctorB, examA, examB } = await twoExams(api);
  const ofExam = await liveStream(api, proctorA.token, `?examId=${examA}`);
  t.after(() => ofExam.close());
  const disabledLater = await liveStream(api, proctorB.token);
  t.after(() => disabledLater.close());
  await ofExam.until(({ type }) => type === 'ready');
  await disabledLater.until(({ type }) => type === 'ready');

  const removed = await api.call('PUT', `/api/exams/${examA}/members`, instructorA.token, {
    candidates: [],
    proctors: [],
  });
  assert.equal(removed.status, 200);
  const closed = await ofExam.until(({ type }) => type === 'closed', 15_000);
  assert.match(JSON.stringify(closed.data), /not one of your exams/);

  assert.equal((await api.call('POST', `/api/users/${proctorB.id}/disable`, adminToken)).status, 200);
  const disabled = await disabledLater.until(({ type }) => type === 'closed', 15_000);
  assert.match(JSON.stringify(disabled.data), /disabled/);
  assert.ok(examB);
});

test('input PostgreSQL or the body decoder refuses is a 4xx, never a 500', async () => {
  const api = await apiStarted;
  const { accessToken } = await api.login(admin.email, admin.password);
  const cursor = (startedAt: string) => Buffer.from(JSON.stringify([startedAt, 'a'])).toString('base64url');
  for (const route of [
    '/api/exams/a%00b',
    '/api/sessions/a%00b',
    '/api/alerts?examId=a%00b',
    '/api/alerts/a%00b/evidence/b%00',
    `/api/alerts?after=${cursor('1')}`,
    `/api/alerts?after=${cursor('2026-02-30T00:00:00.000Z')}`,
  ]) {
    const { status } = await api.call('GET', route, accessToken);
    assert.ok(status >= 400 && status < 500, `${route}: ${status}`);
  }
  for (const encoding of ['bogus', 'gzip', 'deflate', 'br']) {
    const response = await fetch(`http://127.0.0.1:${api.port}/api/exams`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        'content-encoding': encoding,
      },
      body: '{"title":"not compressed at all"}',
    });
    assert.ok(response.status >= 400 && response.status < 500, `Content-Encoding ${encoding}: ${response.status}`);
  }
});

test('/metrics is served on the operations port only, never on the public one', async () => {
  const api = await apiStarted;
  // The public port answers /metrics as any unknown path: 404, or the dashboard once it is built.
  assert.doesNotMatch(await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text(), /api_requests_total/);
  const metrics = await (await fetch(api.metricsUrl)).text();
  assert.match(metrics, /^# HELP api_requests_total/m);
  assert.match(
    metrics,
    /^api_thumbnails_cached_bytes\{component="api"\} \d+$/m,
    'the live wall cache, read when scraped',
  );
});
