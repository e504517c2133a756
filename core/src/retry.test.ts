import assert from 'node:assert/strict';
import test from 'node:test';
import { ClickHouseError } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { DecodeError, ServiceUnavailableError } from './errors.ts';
import { isRetriable, retryWhile } from './retry.ts';

// KafkaJS is CommonJS: its error classes are properties of the module, not named exports.
const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;

test('unavailable services are retriable; bad data and programmer errors are not', () => {
  assert.equal(isRetriable(new ServiceUnavailableError('registry down')), true);
  assert.equal(isRetriable(new KafkaJSConnectionError('broker away')), true);
  assert.equal(
    isRetriable(
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('broker away'), { retryCount: 5, retryTime: 1 }),
    ),
    true,
    'KafkaJS gave up retrying, the broker may still come back',
  );
  assert.equal(isRetriable(new DecodeError('not Avro')), false);
  const tooLarge = Object.assign(new Error('message too large'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
  assert.equal(isRetriable(new KafkaJSProtocolError(tooLarge)), false);
  assert.equal(isRetriable(new TypeError('x is undefined')), false);
  assert.equal(isRetriable('a string'), false);
});

test('a database error is retriable by its code: a busy or absent server is, a bad row is not', () => {
  const postgres = (code: string) => Object.assign(new pg.DatabaseError('postgres says no', 0, 'error'), { code });
  assert.equal(isRetriable(postgres('53300')), true, 'too many connections');
  assert.equal(isRetriable(postgres('57P01')), true, 'server shutting down');
  assert.equal(isRetriable(postgres('40001')), true, 'serialization failure');
  assert.equal(isRetriable(postgres('22P02')), false, 'invalid text representation: the data');
  assert.equal(isRetriable(postgres('23505')), false, 'unique violation: the data');

  // Debian's ClickHouse 18.16 only starts the message with the code; newer servers name the type.
  const oldServer = (code: number, text: string) =>
    new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception`);
  assert.equal(isRetriable(oldServer(252, 'Too many parts (300)')), true);
  assert.equal(isRetriable(oldServer(241, 'Memory limit (for query) exceeded')), true);
  assert.equal(isRetriable(oldServer(27, 'Cannot parse input: expected { before: x')), false);
  assert.equal(isRetriable(oldServer(53, 'Type mismatch')), false);
  const newServer = (code: string, type: string) => new ClickHouseError({ message: type, code, type });
  assert.equal(isRetriable(newServer('241', 'MEMORY_LIMIT_EXCEEDED')), true);
  assert.equal(isRetriable(newServer('202', 'TOO_MANY_SIMULTANEOUS_QUERIES')), true);
  assert.equal(isRetriable(newServer('117', 'INCORRECT_DATA')), false);

  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  assert.equal(isRetriable(refused), true);
  assert.equal(isRetriable(new TypeError('fetch failed', { cause: refused })), true, 'the cause tells');
  assert.equal(isRetriable(new DecodeError('bad', { cause: refused })), false, 'ours decide for themselves');
});

test('retryWhile with isRetriable retries retriable errors and throws the others at once', async () => {
  let attempts = 0;
  const delays: number[] = [];
  const result = await retryWhile(
    () => {
      attempts += 1;
      return attempts < 3 ? Promise.reject(new ServiceUnavailableError('down')) : Promise.resolve('up');
    },
    isRetriable,
    (_, __, delayMs) => delays.push(delayMs),
  );
  assert.equal(result, 'up');
  assert.deepEqual(delays, [100, 200]);
  await assert.rejects(
    retryWhile(
      () => Promise.reject(new DecodeError('bad')),
      isRetriable,
      () => assert.fail('bad data is not retried'),
    ),
    DecodeError,
  );
});
