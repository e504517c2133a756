import { detectorScore, scoredInputs, type FrameCaptured, pipelineStage } from '@proctoflex/core';
import { decodeFrames, detectObjects, ModelSessions, modelVersion } from '@proctoflex/inference';
import { objectSpec } from './config.ts';
import { objectSignals } from './detect.ts';

/** How many webcam frames of the session the stage has seen (in its changelog). */
export interface ObjectState {
  readonly webcamFrames: number;
}

/**
 * Scores every OBJECT_EVERY_NTH_FRAME-th webcam frame of each session (the first one included)
 * for phones, books, laptops and other people. Enrolment and screen frames are not scored.
 */
export const objectStage = pipelineStage<typeof objectSpec, ObjectState>({
  name: 'object',
  spec: objectSpec,
  variablePrefix: 'OBJECT_',
  create(config) {
    const scoredBy = modelVersion(['object-detector']);
    return {
      inputs: [config.FRAMES_TOPIC],
      outputs: [{ topic: config.SCORES_TOPIC, schema: 'DetectorScore' }],
      delivery: 'exactly-once',
      stateful: true,
      open: () => {
        const models = new ModelSessions(config);
        return Promise.resolve({
          async processBatch(records, { state, reject }) {
            const due = records.filter(({ value }) => {
              const frame = value as FrameCaptured;
              if (!scoredInputs.countsForObject(frame)) return false;
              const seen = state.get(frame.sessionId)?.webcamFrames ?? 0;
              state.set(frame.sessionId, { webcamFrames: seen + 1 });
              return scoredInputs.object(seen, config.OBJECT_EVERY_NTH_FRAME);
            });
            const frames = await decodeFrames(due, reject);
            const objects = await detectObjects(
              models,
              frames.map(({ image }) => image),
            );
            return frames.map(({ frame }, index) => ({
              topic: config.SCORES_TOPIC,
              key: frame.sessionId,
              value: detectorScore(frame, config.FRAMES_TOPIC, 'OBJECT', scoredBy, objectSignals(objects[index]!)),
            }));
          },
          close: () => models.close(),
        });
      },
    };
  },
});
