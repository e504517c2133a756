import { detectorScore, scoredInputs, type AudioChunk, type OutputRecord, pipelineStage } from '@proctoflex/core';
import { ModelSessions, modelVersion, voiceActivity } from '@proctoflex/inference';
import { voiceSpec } from './config.ts';
import { audioProblem, loadVoiceStream, storeVoiceStream, voiceSignals, type StoredVoiceStream } from './detect.ts';

/** Where a session's audio stands (in the changelog): the model's memory and the last chunk heard. */
export interface VoiceState {
  readonly stream: StoredVoiceStream;
  readonly lastSeq: number;
}

/**
 * Scores every audio chunk for speech and loud noise. Each session's audio is one continuous
 * stream: the model's state carries over from chunk to chunk, and a chunk sent again after a
 * reconnect (seq not above the last one heard) is dropped so that it is not heard twice.
 */
export const voiceStage = pipelineStage<typeof voiceSpec, VoiceState>({
  name: 'voice',
  spec: voiceSpec,
  create(config) {
    const scoredBy = modelVersion(['voice-activity']);
    return {
      inputs: [config.AUDIO_TOPIC],
      outputs: [{ topic: config.SCORES_TOPIC, schema: 'DetectorScore' }],
      delivery: 'exactly-once',
      stateful: true,
      open: () => {
        const models = new ModelSessions(config);
        return Promise.resolve({
          async processBatch(records, { state, reject }) {
            // Round n holds each session's n-th chunk of the batch: a session's chunks are heard in order.
            const rounds: AudioChunk[][] = [];
            const chunksOf = new Map<string, number>();
            const lastSeqOf = new Map<string, number>();
            for (const record of records) {
              const chunk = record.value as AudioChunk;
              const problem = audioProblem(chunk);
              if (problem) {
                reject(record, problem);
                continue;
              }
              const lastSeq = lastSeqOf.get(chunk.sessionId) ?? state.get(chunk.sessionId)?.lastSeq ?? -1;
              if (!scoredInputs.voice(chunk.seq, lastSeq)) continue;
              lastSeqOf.set(chunk.sessionId, chunk.seq);
              const round = chunksOf.get(chunk.sessionId) ?? 0;
              chunksOf.set(chunk.sessionId, round + 1);
              (rounds[round] ??= []).push(chunk);
            }
            const outputs: OutputRecord[] = [];
            for (const round of rounds) {
              const streams = round.map((chunk) => loadVoiceStream(state.get(chunk.sessionId)?.stream));
              const activities = await voiceActivity(
                models,
                round.map((chunk, index) => ({ stream: streams[index]!, pcm: chunk.pcm })),
              );
              round.forEach((chunk, index) => {
                state.set(chunk.sessionId, { stream: storeVoiceStream(streams[index]!), lastSeq: chunk.seq });
                const signals = voiceSignals(activities[index]!, chunk.pcm.length / 2 / chunk.sampleRate);
                outputs.push({
                  topic: config.SCORES_TOPIC,
                  key: chunk.sessionId,
                  value: detectorScore(chunk, config.AUDIO_TOPIC, 'VOICE', scoredBy, signals),
                });
              });
            }
            return outputs;
          },
          close: () => models.close(),
        });
      },
    };
  },
});
