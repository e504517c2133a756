import assert from 'node:assert/strict';
import test from 'node:test';
import { IngestRefusal } from './ingest-refusal.ts';
import { bearerToken, mintIngestToken, verifyIngestToken } from './ingest-token.ts';

const secret = 'a-secret-of-at-least-thirty-two-characters';
const claims = { sessionId: 'session-1', examId: 'exam-1', candidateId: 'candidate-1' };

function reasonOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof IngestRefusal);
    return error.reason;
  }
  return 'accepted';
}

test('a token carries its session, exam and candidate', () => {
  assert.deepEqual(verifyIngestToken(secret, mintIngestToken(secret, claims, 60)), claims);
});

test('missing, expired, forged and foreign tokens are refused with their reason', () => {
  assert.equal(
    reasonOf(() => verifyIngestToken(secret, undefined)),
    'token_missing',
  );
  assert.equal(
    reasonOf(() => verifyIngestToken(secret, mintIngestToken(secret, claims, -1))),
    'token_expired',
  );
  assert.equal(
    reasonOf(() => verifyIngestToken(secret, mintIngestToken(`${secret}!`, claims, 60))),
    'token_invalid',
  );
  const [header, payload] = mintIngestToken(secret, claims, 60).split('.');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
  assert.equal(
    reasonOf(() => verifyIngestToken(secret, none)),
    'token_invalid',
  );
  assert.equal(
    reasonOf(() => verifyIngestToken(secret, `${header}.${payload}.forged`)),
    'token_invalid',
  );
});

test('the bearer token is read from the Authorization header', () => {
  assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
  assert.equal(bearerToken('bearer   xyz'), 'xyz');
  assert.equal(bearerToken('Basic dXNlcg=='), undefined);
  assert.equal(bearerToken(undefined), undefined);
});
