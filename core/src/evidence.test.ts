import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import {
  decryptEvidence,
  encryptEvidence,
  EvidenceDecryptError,
  evidenceSpec,
  isEvidenceKey,
  LocalEvidenceStore,
} from './evidence.ts';

const key = randomBytes(32);
const plain = Buffer.from('a JPEG, say');

test('sealed evidence opens with its key and name only', () => {
  const sealed = encryptEvidence(key, 'exam/s/a/strip.jpg', plain);
  assert.ok(!sealed.includes(plain), 'the plaintext is not in the file');
  assert.deepEqual(decryptEvidence(key, 'exam/s/a/strip.jpg', sealed), plain);
  assert.notDeepEqual(encryptEvidence(key, 'exam/s/a/strip.jpg', plain), sealed, 'a fresh IV each time');

  assert.throws(() => decryptEvidence(randomBytes(32), 'exam/s/a/strip.jpg', sealed), /sealed with another key/);
  assert.throws(() => decryptEvidence(key, 'exam/s/b/strip.jpg', sealed), /failed authentication/);
  const altered = Buffer.from(sealed);
  altered[altered.length - 1]! ^= 1;
  assert.throws(() => decryptEvidence(key, 'exam/s/a/strip.jpg', altered), EvidenceDecryptError);
  assert.throws(() => decryptEvidence(key, 'x', Buffer.from('plain text')), /not a sealed evidence file/);
});

test('the key is 32 bytes in hex or base64, and a bad one is refused without being shown', () => {
  const hex = randomBytes(32).toString('hex');
  assert.deepEqual(loadConfig(evidenceSpec, { EVIDENCE_KEY: hex }).EVIDENCE_KEY, Buffer.from(hex, 'hex'));
  const base64 = randomBytes(32).toString('base64');
  assert.deepEqual(loadConfig(evidenceSpec, { EVIDENCE_KEY: base64 }).EVIDENCE_KEY, Buffer.from(base64, 'base64'));
  assert.throws(
    () => loadConfig(evidenceSpec, { EVIDENCE_KEY: 'short-and-secret' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /EVIDENCE_KEY \(value not shown\) is invalid: expected 32 bytes/.test(error.message) &&
      !error.message.includes('short-and-secret'),
  );
  assert.throws(() => loadConfig(evidenceSpec, {}), /EVIDENCE_KEY is required/);
});

test('the local store writes whole files under safe names only', async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), 'evidence-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const store = new LocalEvidenceStore(directory);
  await store.put('exam-1/session-1/alert-1/clip.mp4', plain);
  assert.deepEqual(await store.get('exam-1/session-1/alert-1/clip.mp4'), plain);
  assert.deepEqual(await readdir(path.join(directory, 'exam-1/session-1/alert-1')), ['clip.mp4']);
  for (const bad of ['../etc/passwd', 'a//b', '/abs', 'a/./b', 'a b']) assert.equal(isEvidenceKey(bad), false, bad);
  await assert.rejects(store.put('../escape', plain), /not an evidence key/);
  await store.delete('exam-1/session-1/alert-1/clip.mp4');
  await store.delete('exam-1/session-1/alert-1/clip.mp4');
  await assert.rejects(store.get('exam-1/session-1/alert-1/clip.mp4'), /ENOENT/);
});
