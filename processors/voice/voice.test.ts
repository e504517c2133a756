import assert from 'node:assert/strict';
import test from 'node:test';
import type { AudioChunk } from '@proctoflex/core';
import { newVoiceStream } from '@proctoflex/inference';
import { audioProblem, loadVoiceStream, storeVoiceStream, voiceSignals } from './detect.ts';

const chunk = (pcm: Buffer, sampleRate = 16_000): AudioChunk => ({
  sessionId: 's',
  examId: 'e',
  candidateId: 'c',
  seq: 7,
  captureTime: 0,
  sampleRate,
  durationMs: 1000,
  pcm,
});

test('chunks the model cannot hear are refused with the reason', () => {
  assert.equal(audioProblem(chunk(Buffer.alloc(32_000))), null);
  assert.match(audioProblem(chunk(Buffer.alloc(0)))!.message, /audio chunk 7 is empty/);
  assert.match(audioProblem(chunk(Buffer.alloc(5)))!.message, /not whole 16-bit samples/);
  assert.match(audioProblem(chunk(Buffer.alloc(4), 44_100))!.message, /44100 Hz/);
});

test('a stored voice stream comes back bit for bit', () => {
  const stream = newVoiceStream();
  stream.state.fill(0.25);
  stream.context[3] = -0.5;
  stream.pending = Float32Array.from([0.1, 0.2, 0.3]);
  const restored = loadVoiceStream(
    JSON.parse(JSON.stringify(storeVoiceStream(stream))) as ReturnType<typeof storeVoiceStream>,
  );
  assert.deepEqual(restored, stream);
  assert.deepEqual(loadVoiceStream(undefined), newVoiceStream());
});

test('loud noise starts at -20 dBFS; digital silence reads as -120 dBFS', () => {
  const activity = { windowProbabilities: [], speechProbability: 0.9, speechSeconds: 0.5 };
  const signals = (loudnessDbfs: number) =>
    Object.fromEntries(voiceSignals({ ...activity, loudnessDbfs }, 1).map((signal) => [signal.name, signal]));
  assert.equal(signals(-20).loud_noise!.score, 0);
  assert.equal(signals(-15).loud_noise!.score, 0.5);
  assert.equal(signals(-Infinity).loud_noise!.measurements.loudnessDbfs, -120);
  assert.equal(signals(-30).speech!.score, 0.9);
  assert.equal(signals(-30).speech!.measurements.speechSeconds, 0.5);
});
