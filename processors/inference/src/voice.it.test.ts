import assert from 'node:assert/strict';
import test from 'node:test';
import { loadInferenceConfig } from './config.ts';
import { ModelSessions } from './models.ts';
import { fixturePcm } from './testing.ts';
import { newVoiceStream, voiceActivity } from './voice.ts';

const models = new ModelSessions(loadInferenceConfig({}));
test.after(() => models.close());

test('speech is heard; silence and quiet room noise are not; in one batch', async () => {
  const [speech, silence, noise] = await voiceActivity(
    models,
    ['speech.wav', 'silence.wav', 'room-noise.wav'].map((name) => ({
      stream: newVoiceStream(),
      pcm: fixturePcm(name),
    })),
  );
  assert.ok(speech!.speechProbability > 0.9, `speech ${speech!.speechProbability}`);
  assert.ok(speech!.speechSeconds > 4 && speech!.speechSeconds < 7.7, `speech seconds ${speech!.speechSeconds}`);
  assert.ok(silence!.speechProbability < 0.1, `silence ${silence!.speechProbability}`);
  assert.ok(silence!.loudnessDbfs < -90, `silence loudness ${silence!.loudnessDbfs}`);
  assert.ok(noise!.speechSeconds < 0.2, `noise speech seconds ${noise!.speechSeconds}`);
  assert.ok(noise!.loudnessDbfs > -60 && noise!.loudnessDbfs < -20, `noise loudness ${noise!.loudnessDbfs}`);
});

test('a session streamed in 1 s chunks gets exactly the windows of the whole recording', async () => {
  const pcm = fixturePcm('speech.wav');
  const [whole] = await voiceActivity(models, [{ stream: newVoiceStream(), pcm }]);
  const stream = newVoiceStream();
  const chunked: number[] = [];
  for (let start = 0; start < pcm.length; start += 32_000) {
    const [chunk] = await voiceActivity(models, [{ stream, pcm: pcm.subarray(start, start + 32_000) }]);
    chunked.push(...chunk!.windowProbabilities);
  }
  assert.equal(chunked.length, whole!.windowProbabilities.length);
  chunked.forEach((probability, index) => assert.ok(Math.abs(probability - whole!.windowProbabilities[index]!) < 1e-5));
});
