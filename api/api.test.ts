import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { createLogger } from '@proctoflex/core';
import { apiRouter } from './src/app.ts';
import { hashPassword, verifyPassword } from './src/auth/passwords.ts';
import { loadApiConfig } from './src/config.ts';
import type { ApiDeps } from './src/context.ts';
import { openApiDocument } from './src/openapi.ts';

test('every route in the code is in the OpenAPI document, and every path there is a route', () => {
  const config = loadApiConfig({
    API_JWT_SECRET: randomBytes(32).toString('hex'),
    INGEST_TOKEN_SECRET: randomBytes(32).toString('hex'),
    EVIDENCE_KEY: randomBytes(32).toString('hex'),
  });
  // Registering routes touches none of the connections.
  const deps = { config, logger: createLogger('api', 'silent') } as ApiDeps;
  const routes = apiRouter(deps)
    .stack.flatMap((layer) =>
      layer.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => `${method.toLowerCase()} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
    )
    .sort();
  const documented = Object.entries(openApiDocument.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
    .sort();
  assert.deepEqual(routes, documented);
});

test('passwords are salted scrypt hashes that verify only the same password', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^scrypt\$32768\$8\$1\$/);
  assert.notEqual(await hashPassword('correct horse battery'), hash, 'a fresh salt each time');
  assert.equal(await verifyPassword('correct horse battery', hash), true);
  assert.equal(await verifyPassword('correct horse batterY', hash), false);
  assert.equal(await verifyPassword('anything', 'not-a-hash'), false);
});

test('the API refuses to start without its secrets, naming them', () => {
  assert.throws(
    () => loadApiConfig({ API_JWT_SECRET: 'short', API_PORTT: '1' }),
    (error: Error) =>
      /API_JWT_SECRET \(value not shown\) is invalid/.test(error.message) &&
      /INGEST_TOKEN_SECRET is required/.test(error.message) &&
      /EVIDENCE_KEY is required/.test(error.message) &&
      /API_PORTT is not a variable of this process/.test(error.message) &&
      !error.message.includes('short'),
  );
});
