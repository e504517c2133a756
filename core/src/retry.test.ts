import assert from 'node:assert/strict';
import test from 'node:test';
import kafkajs from 'kafkajs';
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
