import assert from 'node:assert/strict';
import test from 'node:test';
import { Resampler, toPcm16 } from './resample.ts';

const tone = (rate: number, hertz: number, seconds: number) =>
  Float32Array.from({ length: rate * seconds }, (_, index) => 0.5 * Math.sin((2 * Math.PI * hertz * index) / rate));

/** Upward zero crossings per second: the frequency of a pure tone. */
const frequency = (samples: Float32Array, rate: number) =>
  (samples.slice(1).filter((sample, index) => samples[index]! < 0 && sample >= 0).length * rate) / samples.length;

for (const rate of [48_000, 44_100, 8_000]) {
  test(`${rate} Hz becomes 16 kHz across blocks of any size, keeping pitch and loudness`, () => {
    const input = tone(rate, 440, 2);
    const resampler = new Resampler(rate);
    const parts: Float32Array[] = [];
    // Blocks as an audio worklet and odd sizes hand them over.
    for (let offset = 0, size = 128; offset < input.length; offset += size, size = size === 128 ? 4096 : 997)
      parts.push(resampler.push(input.subarray(offset, offset + size)));
    const output = Float32Array.from(parts.flatMap((part) => [...part]));
    assert.ok(Math.abs(output.length - 32_000) <= 1, `${output.length} samples for 2 s`);
    assert.ok(Math.abs(frequency(output, 16_000) - 440) < 2, `pitch ${frequency(output, 16_000)} Hz`);
    const peak = Math.max(...output.map(Math.abs));
    assert.ok(peak > 0.45 && peak <= 0.5, `loudness kept (peak ${peak})`);
  });
}

test('a tone above 8 kHz, which 16 kHz cannot hold, is damped rather than folded into the voice band at full strength', () => {
  const output = new Resampler(48_000).push(tone(48_000, 11_000, 1));
  const peak = Math.max(...output.map(Math.abs));
  assert.ok(peak < 0.25, `alias peak ${peak} of 0.5`);
});

test('samples become signed 16-bit little-endian, clamped to the range', () => {
  const pcm = new DataView(toPcm16(Float32Array.from([0, 1, -1, 0.5, 2, -3])).buffer);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((index) => pcm.getInt16(index * 2, true)),
    [0, 32767, -32768, 16384, 32767, -32768],
  );
});
