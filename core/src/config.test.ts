import assert from 'node:assert/strict';
import test from 'node:test';
import { z } from 'zod';
import { loadConfig, parsers, secretVariable, servicesSpec, variable } from './config.ts';
import { ConfigError } from './errors.ts';

test('defaults give a working local configuration', () => {
  const config = loadConfig(servicesSpec, {});
  assert.deepEqual(config.KAFKA_BROKERS, ['127.0.0.1:9092']);
  assert.equal(config.LOG_LEVEL, 'info');
});

test('values from the environment are parsed', () => {
  const config = loadConfig(servicesSpec, { KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092', LOG_LEVEL: 'debug' });
  assert.deepEqual(config.KAFKA_BROKERS, ['kafka-1:9092', 'kafka-2:9092']);
  assert.equal(config.LOG_LEVEL, 'debug');
});

test('a malformed variable is refused with its name and value', () => {
  assert.throws(
    () => loadConfig(servicesSpec, { KAFKA_BROKERS: 'kafka-without-port' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /KAFKA_BROKERS="kafka-without-port" is invalid: expected a comma-separated list of host:port/.test(error.message),
  );
});

test('a missing required variable is refused with its name, and all problems are reported at once', () => {
  const spec = {
    INGEST_TOKEN_SECRET: variable(parsers.text, 'Shared secret for ingest tokens.'),
    BATCH_SIZE: variable(parsers.positiveInt, 'Records per batch.', '100'),
    DATABASE_URL: servicesSpec.DATABASE_URL,
  };
  assert.throws(
    () => loadConfig(spec, { BATCH_SIZE: '-3', DATABASE_URL: 'mysql://db/x' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /INGEST_TOKEN_SECRET is required but not set/);
      assert.match(error.message, /BATCH_SIZE="-3" is invalid: expected a number above 0/);
      assert.match(error.message, /DATABASE_URL="mysql:\/\/db\/x" is invalid: expected a postgres or postgresql URL/);
      return true;
    },
  );
});

test('an empty variable counts as unset', () => {
  const spec = { PORT: variable(parsers.port, 'Listen port.', '8080') };
  assert.equal(loadConfig(spec, { PORT: '' }).PORT, 8080);
  assert.throws(() => loadConfig({ NAME: variable(z.string(), 'A name.') }, { NAME: '' }), /NAME is required/);
});

test("a variable with the spec's own prefix that the spec lacks is refused, naming the known ones", () => {
  const spec = { FACE_LIMIT: variable(parsers.positiveInt, 'a limit', '3') };
  assert.deepEqual(loadConfig(spec, { FACE_LIMIT: '4', OTHER_THING: 'x' }, ['FACE_']), { FACE_LIMIT: 4 });
  assert.throws(
    () => loadConfig(spec, { FACE_LIMT: '4' }, ['FACE_']),
    /FACE_LIMT is not a variable of this process; its FACE_\* variables are FACE_LIMIT/,
  );
});

test('a secret that is invalid is refused without showing it', () => {
  const spec = { SIGNING_KEY: secretVariable(z.string().min(32, 'must be at least 32 characters'), 'A key.') };
  assert.throws(
    () => loadConfig(spec, { SIGNING_KEY: 'hunter2' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /SIGNING_KEY \(value not shown\) is invalid: must be at least 32 characters/.test(error.message) &&
      !error.message.includes('hunter2'),
  );
});
