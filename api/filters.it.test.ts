import assert from 'node:assert/strict';
import test from 'node:test';
import { admin, startApi } from './src/testing.ts';

test('filters with SQL in them or out of range are 400s or bound as values, never errors or other rows', async (t) => {
  const api = await startApi(t);
  const { call } = api;
  const { accessToken } = await api.login(admin.email, admin.password);
  const injection = "' OR 1=1 --";
  const status = async (query: string) => (await call('GET', `/api/alerts?${query}`, accessToken)).status;
  assert.equal(await status(`rule=${encodeURIComponent(injection)}`), 400);
  assert.equal(await status(`severity=${encodeURIComponent(injection)}`), 400);
  assert.equal(await status('limit=100000'), 400);
  assert.equal(await status('after=not-a-cursor'), 400);
  assert.equal(await status(`examId=${'x'.repeat(300)}`), 400);
  assert.equal(await status('from=yesterday'), 400);
  const bound = await call('GET', `/api/alerts?examId=${encodeURIComponent(injection)}`, accessToken);
  assert.deepEqual([bound.status, bound.body.alerts], [200, []]);
  const users = await call('GET', `/api/users?role=${encodeURIComponent(injection)}`, accessToken);
  assert.equal(users.status, 400);
  const badJson = await fetch(`http://127.0.0.1:${api.port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"email": ',
  });
  assert.equal(badJson.status, 400);
  const unknownRoute = await call('GET', '/api/nothing-here', accessToken);
  assert.equal(unknownRoute.status, 404);
  assert.match(unknownRoute.body.error as string, /openapi/);
});
