import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import jwt from 'jsonwebtoken';
import { mintIngestToken } from '@proctoflex/core';
import { admin, startApi } from './src/testing.ts';

test('token attacks are refused: expired, unsigned, wrong key, ingest tokens, refresh reuse; repeated failures lock', async (t) => {
  const api = await startApi(t);
  const { call, login, secrets } = api;
  const { accessToken, refreshToken } = await login(admin.email, admin.password);
  assert.equal((await call('GET', '/api/me', accessToken)).status, 200);

  const { sub } = jwt.decode(accessToken) as { sub: string };
  const claims = { role: 'admin' };
  const options = { subject: sub, audience: 'proctoflex-api', issuer: 'proctoflex' } as const;
  const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, secrets.jwt, {
    ...options,
    algorithm: 'HS256',
  });
  const unsigned = jwt.sign(claims, '', { ...options, algorithm: 'none' });
  const wrongKey = jwt.sign(claims, randomBytes(32).toString('hex'), { ...options, algorithm: 'HS256' });
  const ingest = mintIngestToken(secrets.ingest, { sessionId: 's', examId: 'e', candidateId: sub }, 60);
  const sameKeyIngestAudience = jwt.sign(claims, secrets.jwt, { ...options, audience: 'proctoflex-ingest' });
  for (const [name, token] of Object.entries({ expired, unsigned, wrongKey, ingest, sameKeyIngestAudience })) {
    const { status, body, response } = await call('GET', '/api/me', token);
    assert.equal(status, 401, `${name}: ${JSON.stringify(body)}`);
    assert.match(response.headers.get('www-authenticate') ?? '', /Bearer/);
  }
  assert.match((await call('GET', '/api/me', expired)).body.error as string, /expired/);

  // Refresh tokens work once; a second use revokes the whole sign-in.
  const first = await call('POST', '/api/auth/refresh', undefined, { refreshToken });
  assert.equal(first.status, 200);
  const second = first.body.refreshToken as string;
  const reused = await call('POST', '/api/auth/refresh', undefined, { refreshToken });
  assert.equal(reused.status, 401);
  assert.match(reused.body.error as string, /used twice/);
  assert.equal((await call('POST', '/api/auth/refresh', undefined, { refreshToken: second })).status, 401);
  // Logout ends a sign-in too.
  const other = await login(admin.email, admin.password);
  assert.equal((await call('POST', '/api/auth/logout', undefined, { refreshToken: other.refreshToken })).status, 204);
  assert.equal((await call('POST', '/api/auth/refresh', undefined, other)).status, 401);

  // Three wrong passwords lock the account: then even the right one is refused for a while.
  for (let attempt = 0; attempt < 3; attempt += 1)
    assert.equal(
      (await call('POST', '/api/auth/login', undefined, { ...admin, password: 'wrong password' })).status,
      401,
    );
  assert.equal((await call('POST', '/api/auth/login', undefined, admin)).status, 401);
  assert.equal(
    (await call('POST', '/api/auth/login', undefined, { email: 'nobody@x.test', password: 'x' })).status,
    401,
  );
});
