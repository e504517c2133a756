import { timed } from '@proctoflex/core';
import { ort, type ModelSessions } from './models.ts';

export const sampleRate = 16_000;
const windowSamples = 512;
const contextSamples = 64;
const stateSize = 2 * 128;
/** Length of one VAD window, in seconds (512 samples at 16 kHz). */
export const windowSeconds = windowSamples / sampleRate;

/**
 * What Silero VAD carries from one chunk of a session's audio to the next: its recurrent state,
 * the last 64 samples (context of the next window) and samples that did not fill a window yet.
 */
export interface VoiceStream {
  state: Float32Array;
  context: Float32Array;
  pending: Float32Array;
}

export function newVoiceStream(): VoiceStream {
  return {
    state: new Float32Array(stateSize),
    context: new Float32Array(contextSamples),
    pending: new Float32Array(0),
  };
}

export interface VoiceActivity {
  /** Speech probability of each 32 ms window completed by this chunk. */
  readonly windowProbabilities: number[];
  /** Highest window probability: how sure it is that someone spoke in this chunk. */
  readonly speechProbability: number;
  /** Seconds of windows at or above the threshold. */
  readonly speechSeconds: number;
  /** RMS level of the chunk in dBFS (-Infinity for digital silence). */
  readonly loudnessDbfs: number;
}

/**
 * Voice activity of one chunk per stream (session), all streams advanced window by window
 * together: one model invocation per window position for the whole batch. `pcm` is s16le mono
 * at 16 kHz. Streams are updated in place.
 */
export async function voiceActivity(
  models: ModelSessions,
  chunks: readonly { stream: VoiceStream; pcm: Buffer }[],
  threshold = 0.5,
): Promise<VoiceActivity[]> {
  const session = await models.get('voice-activity');
  const samples = chunks.map(({ stream, pcm }) => {
    const fresh = new Float32Array(pcm.length >> 1);
    for (let index = 0; index < fresh.length; index += 1) fresh[index] = pcm.readInt16LE(index * 2) / 32768;
    const all = new Float32Array(stream.pending.length + fresh.length);
    all.set(stream.pending);
    all.set(fresh, stream.pending.length);
    return { all, fresh };
  });
  const windows = samples.map(({ all }) => Math.floor(all.length / windowSamples));
  const probabilities: number[][] = chunks.map(() => []);
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(sampleRate)]), []);
  for (let step = 0; step < Math.max(0, ...windows); step += 1) {
    const active = chunks.map((_, index) => index).filter((index) => windows[index]! > step);
    const input = new Float32Array(active.length * (contextSamples + windowSamples));
    const state = new Float32Array(stateSize * active.length);
    active.forEach((chunkIndex, row) => {
      const { stream } = chunks[chunkIndex]!;
      const window = samples[chunkIndex]!.all.subarray(step * windowSamples, (step + 1) * windowSamples);
      input.set(stream.context, row * (contextSamples + windowSamples));
      input.set(window, row * (contextSamples + windowSamples) + contextSamples);
      // state is [2, batch, 128]: layer-major.
      for (let layer = 0; layer < 2; layer += 1) {
        state.set(stream.state.subarray(layer * 128, (layer + 1) * 128), (layer * active.length + row) * 128);
      }
      stream.context = window.slice(windowSamples - contextSamples);
    });
    const outputs = await timed('model:voice-activity', () =>
      session.run({
        input: new ort.Tensor('float32', input, [active.length, contextSamples + windowSamples]),
        state: new ort.Tensor('float32', state, [2, active.length, 128]),
        sr,
      }),
    );
    const output = outputs['output']!.data as Float32Array;
    const nextState = outputs['stateN']!.data as Float32Array;
    active.forEach((chunkIndex, row) => {
      const { stream } = chunks[chunkIndex]!;
      probabilities[chunkIndex]!.push(output[row]!);
      for (let layer = 0; layer < 2; layer += 1) {
        stream.state.set(
          nextState.subarray((layer * active.length + row) * 128, (layer * active.length + row + 1) * 128),
          layer * 128,
        );
      }
    });
  }
  return chunks.map(({ stream }, index) => {
    const { all, fresh } = samples[index]!;
    stream.pending = all.slice(windows[index]! * windowSamples);
    const windowProbabilities = probabilities[index]!;
    let energy = 0;
    for (const sample of fresh) energy += sample * sample;
    return {
      windowProbabilities,
      speechProbability: Math.max(0, ...windowProbabilities),
      speechSeconds: windowProbabilities.filter((probability) => probability >= threshold).length * windowSeconds,
      loudnessDbfs: 10 * Math.log10(energy / Math.max(1, fresh.length)),
    };
  });
}
