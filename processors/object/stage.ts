import { detectorScore, scoredInputs, type FrameCaptured, pipelineStage } from '@proctoflex/core';
import { decodeFrames, detectObjects, ModelSessions, modelVersion, type Box } from '@proctoflex/inference';
import { objectSpec } from './config.ts';
import { learnScenery, objectSignals } from './detect.ts';

/** What the stage keeps of a session (in its changelog). */
export interface ObjectState {
  /** How many webcam frames of the session it has seen. */
  readonly webcamFrames: number;
  /** Person-like shapes in the room at the start: not another person (absent in older changelogs). */
  readonly scenery?: readonly Box[];
}

/**
 * A session's first scored frames teach the stage its room: what the person detector takes for
 * people there besides the candidate is scenery from then on. A person who is there from the
 * start is left to the face stage (several faces).
 */
const sceneryFrames = 3;

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
            const teaching = new Set<FrameCaptured>();
            const due = records.filter(({ value }) => {
              const frame = value as FrameCaptured;
              if (!scoredInputs.countsForObject(frame)) return false;
              const previous = state.get(frame.sessionId);
              const seen = previous?.webcamFrames ?? 0;
              state.set(frame.sessionId, { ...previous, webcamFrames: seen + 1 });
              if (!scoredInputs.object(seen, config.OBJECT_EVERY_NTH_FRAME)) return false;
              if (seen < sceneryFrames * config.OBJECT_EVERY_NTH_FRAME) teaching.add(frame);
              return true;
            });
            const frames = await decodeFrames(due, reject);
            const objects = await detectObjects(
              models,
              frames.map(({ image }) => image),
            );
            // In capture order: a session's room is learnt before its later frames are scored.
            return frames.map(({ frame }, index) => {
              const session = state.get(frame.sessionId)!;
              let scenery = session.scenery ?? [];
              if (teaching.has(frame)) {
                scenery = learnScenery(scenery, objects[index]!);
                state.set(frame.sessionId, { ...session, scenery });
              }
              const signals = objectSignals(objects[index]!, scenery);
              return {
                topic: config.SCORES_TOPIC,
                key: frame.sessionId,
                value: detectorScore(frame, config.FRAMES_TOPIC, 'OBJECT', scoredBy, signals),
              };
            });
          },
          close: () => models.close(),
        });
      },
    };
  },
});
