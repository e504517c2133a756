import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import test from 'node:test';
import sharp from 'sharp';
import { jpegDimensions, repoPath } from '@proctoflex/core';
import { startApi, twoExams } from './src/testing.ts';

test("a candidate's reference photo: put on record by an instructor of their exam, kept encrypted, seen by its proctor, gone with an erasure", async (t) => {
  const api = await startApi(t);
  const { call } = api;
  const { adminToken, instructorA, instructorB, proctorA, proctorB, studentA } = await twoExams(api);
  const photo = await readFile(repoPath('models/fixtures/grace-hopper.jpg'));
  const route = `/api/users/${studentA.id}/reference-photo`;
  const put = (token: string, jpeg: string) => call('PUT', route, token, { jpeg });

  // Bad input is a 400 that says why, before anything is stored.
  assert.equal((await put(instructorA.token, 'not base64!')).status, 400);
  const notJpeg = await put(instructorA.token, Buffer.from('GIF89a....').toString('base64'));
  assert.deepEqual([notJpeg.status, notJpeg.body.error], [400, 'jpeg: not a JPEG image']);
  const tiny = await sharp(photo).resize(100, 80).jpeg().toBuffer();
  const tooSmall = await put(instructorA.token, tiny.toString('base64'));
  assert.deepEqual(
    [tooSmall.status, tooSmall.body.error],
    [400, 'jpeg: 100x80 is smaller than the smallest webcam mode, 160x120'],
  );
  assert.equal((await put(instructorA.token, 'A'.repeat(1_000_000))).status, 400, 'larger than 700 KiB');
  const noFace = await put(
    instructorA.token,
    (await readFile(repoPath('models/fixtures/fruits.jpg'))).toString('base64'),
  );
  assert.deepEqual([noFace.status, noFace.body.error], [400, 'jpeg: the photo must show one face, and only one']);
  assert.equal((await call('GET', route, proctorA.token)).status, 404, 'none on record yet');

  assert.equal((await put(instructorB.token, photo.toString('base64'))).status, 403, 'not a candidate of theirs');
  assert.equal((await put(proctorA.token, photo.toString('base64'))).status, 403, 'proctors only look');
  const stored = await put(instructorA.token, photo.toString('base64'));
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.deepEqual(stored.body, { byteSize: photo.length, ...jpegDimensions(photo)! });

  // On disk only encrypted.
  const files = (await readdir(api.evidenceDir, { recursive: true, withFileTypes: true })).filter((entry) =>
    entry.isFile(),
  );
  assert.equal(files.length, 1);
  const onDisk = await readFile(path.join(files[0]!.parentPath, files[0]!.name));
  assert.equal(onDisk.indexOf(photo.subarray(0, 64)), -1, 'the JPEG is not on disk in the clear');

  const seen = await fetch(`http://127.0.0.1:${api.port}${route}`, {
    headers: { authorization: `Bearer ${proctorA.token}` },
  });
  assert.equal(seen.status, 200);
  assert.equal(seen.headers.get('content-type'), 'image/jpeg');
  assert.equal(seen.headers.get('cache-control'), 'private, no-store');
  assert.ok(Buffer.from(await seen.arrayBuffer()).equals(photo), 'the same picture back');
  assert.equal((await call('GET', route, proctorB.token)).status, 403);
  assert.equal((await call('GET', route, studentA.token)).status, 403, 'not even the candidate');

  const exported = (await call('GET', `/api/users/${studentA.id}/export`, adminToken)).body;
  assert.equal((exported.referencePhoto as { byte_size: number }).byte_size, photo.length);
  const { entries } = (await call('GET', `/api/audit?entityType=user&entityId=${studentA.id}`, adminToken)).body as {
    entries: { action: string; actorId: string }[];
  };
  assert.ok(entries.some(({ action, actorId }) => action === 'user.reference_photo' && actorId === instructorA.id));

  assert.equal((await call('DELETE', `/api/users/${studentA.id}/data`, adminToken)).status, 200);
  assert.equal((await call('GET', route, adminToken)).status, 404, 'erased');
  const left = (await readdir(api.evidenceDir, { recursive: true, withFileTypes: true })).filter((entry) =>
    entry.isFile(),
  );
  assert.deepEqual(left, [], 'no file left');
  assert.equal((await call('GET', `/api/users/${studentA.id}/export`, adminToken)).body.referencePhoto, null);
});
