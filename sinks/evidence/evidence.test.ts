import assert from 'node:assert/strict';
import test from 'node:test';
import type { AudioChunk, FrameCaptured } from '@proctoflex/core';
import { SessionMedia, spread } from './buffer.ts';
import { alignedPcm } from './media.ts';

const claims = { sessionId: 's', examId: 'e', candidateId: 'c' };
const frame = (seq: number, captureTime: number, source: FrameCaptured['source'] = 'WEBCAM'): FrameCaptured => ({
  ...claims,
  seq,
  captureTime,
  source,
  enrolment: false,
  width: 2,
  height: 2,
  jpeg: Buffer.alloc(4),
});
const chunk = (seq: number, captureTime: number, fill = 1, durationMs = 1000): AudioChunk => ({
  ...claims,
  seq,
  captureTime,
  sampleRate: 16_000,
  durationMs,
  pcm: Buffer.alloc(durationMs * 32, fill),
});

test("a session's media keeps the newest span of capture time, each record once", () => {
  const media = new SessionMedia(10_000);
  for (let second = 0; second <= 30; second += 2) media.addFrame(frame(second, second * 1000));
  media.addFrame(frame(30, 30_000)); // the same record again, as a retried batch brings it
  media.addFrame(frame(31, 29_000, 'SCREEN'));
  assert.equal(media.complete, 0, 'no audio yet: its topic may be read behind the frames');
  for (let second = 0; second <= 20; second += 1) media.addAudio(chunk(100 + second, second * 1000));
  assert.equal(media.complete, 20_000, 'the audio is in up to 20 s only');
  for (let second = 21; second <= 30; second += 1) media.addAudio(chunk(100 + second, second * 1000));
  assert.deepEqual([media.newest, media.complete], [30_000, 30_000]);
  const { frames, audio } = media.between('WEBCAM', 0, 60_000);
  assert.deepEqual(
    frames.map(({ captureTime }) => captureTime / 1000),
    [20, 22, 24, 26, 28, 30],
  );
  assert.equal(audio.length, 11, 'audio keeps its own span, though it came after the frames');
  assert.deepEqual(
    media.between('SCREEN', 25_000, 30_000).frames.map(({ seq }) => seq),
    [31],
  );
});

test('a strip spreads its frames from first to last', () => {
  assert.deepEqual(spread([1, 2, 3], 6), [1, 2, 3]);
  assert.deepEqual(spread([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4), [0, 3, 6, 9]);
  assert.deepEqual(spread([0, 1, 2, 3, 4], 1), [2]);
});

test('audio is laid out at its capture times: gaps are silence, what lies outside is cut', () => {
  const pcm = alignedPcm([chunk(1, 500, 7, 1000), chunk(2, 2500, 9, 1000)], 1000, 3000);
  assert.equal(pcm.length, 2000 * 32);
  assert.ok(
    pcm.subarray(0, 500 * 32).every((byte) => byte === 7),
    'the end of the first chunk',
  );
  assert.ok(
    pcm.subarray(500 * 32, 1500 * 32).every((byte) => byte === 0),
    'silence between',
  );
  assert.ok(
    pcm.subarray(1500 * 32).every((byte) => byte === 9),
    'the start of the second',
  );
});
