/**
 * Turns microphone samples at the audio context's rate into 16 kHz mono: each output sample is
 * the mean of the input samples its period covers (a box filter, enough against aliasing for
 * voice activity detection). Streaming: blocks of any length go in, as many output samples as
 * they complete come out.
 */
export class Resampler {
  private pending = new Float32Array(0);
  /** Where the next output sample's period starts in `pending`, in input samples (fractional). */
  private position = 0;
  private readonly step: number;

  constructor(inputRate: number, outputRate = 16_000) {
    this.step = inputRate / outputRate;
  }

  push(input: Float32Array): Float32Array {
    const samples = new Float32Array(this.pending.length + input.length);
    samples.set(this.pending);
    samples.set(input, this.pending.length);
    const output = new Float32Array(Math.max(0, Math.floor((samples.length - this.position) / this.step)));
    for (let index = 0; index < output.length; index += 1) {
      const start = this.position;
      const end = start + this.step;
      let sum = 0;
      for (let sample = Math.floor(start); sample < end; sample += 1) {
        const covered = Math.min(end, sample + 1) - Math.max(start, sample);
        sum += samples[sample]! * covered;
      }
      output[index] = sum / this.step;
      this.position = end;
    }
    const consumed = Math.floor(this.position);
    this.pending = samples.slice(consumed);
    this.position -= consumed;
    return output;
  }
}

/** Samples in -1..1 as signed 16-bit little-endian PCM. */
export function toPcm16(samples: Float32Array): Uint8Array {
  const pcm = new DataView(new ArrayBuffer(samples.length * 2));
  samples.forEach((sample, index) => {
    const clamped = Math.max(-1, Math.min(1, sample));
    pcm.setInt16(index * 2, Math.round(clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff), true);
  });
  return new Uint8Array(pcm.buffer);
}
