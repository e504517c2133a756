import { float32State, InvalidRecordError, signal, type AudioChunk, type Signal } from '@proctoflex/core';
import { newVoiceStream, sampleRate, type VoiceActivity, type VoiceStream } from '@proctoflex/inference';

/** Why a chunk cannot be heard, or null when it can. */
export function audioProblem(chunk: AudioChunk): InvalidRecordError | null {
  if (chunk.sampleRate !== sampleRate)
    return new InvalidRecordError(
      `audio chunk ${chunk.seq} has ${chunk.sampleRate} Hz, the voice model takes ${sampleRate}`,
    );
  if (chunk.pcm.length === 0) return new InvalidRecordError(`audio chunk ${chunk.seq} is empty`);
  if (chunk.pcm.length % 2 !== 0)
    return new InvalidRecordError(`audio chunk ${chunk.seq} has ${chunk.pcm.length} bytes: not whole 16-bit samples`);
  return null;
}

/** Digital silence has no level in dBFS; it is reported as this floor. */
const silenceDbfs = -120;

/**
 * speech (as sure as the model is of the most certain 32 ms window) and loud_noise (0 at an RMS
 * level of -20 dBFS, 1 at -10 dBFS: far louder than a quiet room or a voice at a desk).
 */
export function voiceSignals(activity: VoiceActivity, chunkSeconds: number): Signal[] {
  const loudnessDbfs = Math.max(silenceDbfs, activity.loudnessDbfs);
  return [
    signal('speech', activity.speechProbability, {
      measurements: {
        speechSeconds: activity.speechSeconds,
        speechProbability: activity.speechProbability,
        chunkSeconds,
      },
    }),
    signal('loud_noise', (loudnessDbfs + 20) / 10, { measurements: { loudnessDbfs } }),
  ];
}

/** A VoiceStream as JSON can carry it (the changelog): its float arrays in base64. */
export interface StoredVoiceStream {
  readonly state: string;
  readonly context: string;
  readonly pending: string;
}

export function storeVoiceStream(stream: VoiceStream): StoredVoiceStream {
  return {
    state: float32State.encode(stream.state),
    context: float32State.encode(stream.context),
    pending: float32State.encode(stream.pending),
  };
}

export function loadVoiceStream(stored: StoredVoiceStream | undefined): VoiceStream {
  if (!stored) return newVoiceStream();
  return {
    state: float32State.decode(stored.state),
    context: float32State.decode(stored.context),
    pending: float32State.decode(stored.pending),
  };
}
