import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { repoPath } from '@proctoflex/core';

function infraUp(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', repoPath('infra/up.ts')], {
    cwd: repoPath('.'),
    // eslint-disable-next-line no-restricted-properties -- the child gets this environment plus the overrides
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('a malformed environment variable stops start-up with a message naming it', () => {
  const result = infraUp({ KAFKA_BROKERS: 'kafka-without-port', CLICKHOUSE_URL: 'ftp://clickhouse' });
  assert.equal(result.status, 1);
  assert.match(
    result.stderr,
    /KAFKA_BROKERS="kafka-without-port" is invalid: expected a comma-separated list of host:port/,
  );
  assert.match(result.stderr, /CLICKHOUSE_URL="ftp:\/\/clickhouse" is invalid: expected a http or https URL/);
  assert.doesNotMatch(result.stdout, /started|running/, 'nothing was started');
});

test('a second start reuses the running services and changes nothing', () => {
  const result = infraUp({});
  assert.equal(result.status, 0, result.stderr);
  for (const service of ['postgres', 'kafka', 'registry', 'clickhouse']) {
    assert.match(result.stdout, new RegExp(`^${service} +already running`, 'm'));
  }
  assert.match(result.stdout, /postgres +schema up to date/);
  assert.match(result.stdout, /clickhouse +schema up to date/);
});
