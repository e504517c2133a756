import {
  detectorScore,
  scoredInputs,
  type ExamPolicy,
  type FrameCaptured,
  type OutputRecord,
  pipelineStage,
} from '@proctoflex/core';
import { decodeFrames, ModelSessions, modelVersion } from '@proctoflex/inference';
import { faceSpec } from './config.ts';
import { limitsOf } from './detect.ts';
import { findSessionFaces, scoreFaces, type FaceState } from './session.ts';
import { ThumbnailPicker, thumbnailOf } from './thumbnail.ts';

/**
 * Scores every webcam frame for no face, several faces and looking away (limits from the
 * exam's surveillance level), and, at most every FACE_IDENTITY_INTERVAL_MS per session (every
 * frame while a mismatch is being confirmed), whether the face is the one of the session's
 * enrolment frame. Screen frames are not scored. Batching changes no score. Every
 * FACE_THUMBNAIL_INTERVAL_MS per session, a thumbnail of the frame goes to the proctors' live
 * wall (THUMBNAILS_TOPIC): this stage already reads every webcam frame.
 */
export const faceStage = pipelineStage<typeof faceSpec, FaceState>({
  name: 'face',
  spec: faceSpec,
  variablePrefix: 'FACE_',
  create(config) {
    const scoredBy = modelVersion(['face-detector-short-range', 'face-detector', 'face-landmarks', 'face-embedding']);
    return {
      inputs: [config.FRAMES_TOPIC],
      tables: [config.POLICIES_TOPIC],
      outputs: [
        { topic: config.SCORES_TOPIC, schema: 'DetectorScore' },
        { topic: config.THUMBNAILS_TOPIC, schema: 'Thumbnail' },
      ],
      delivery: 'exactly-once',
      stateful: true,
      open: () => {
        const models = new ModelSessions(config);
        const thumbnails = new ThumbnailPicker(config.FACE_THUMBNAIL_INTERVAL_MS);
        return Promise.resolve({
          async processBatch(records, { state, tables, reject, logger }) {
            const webcam = records.filter(
              (record) => record.topic === config.FRAMES_TOPIC && scoredInputs.face(record.value as FrameCaptured),
            );
            const frames = await decodeFrames(webcam, reject);
            const faces = await findSessionFaces(models, frames, state, config.FACE_IDENTITY_INTERVAL_MS);
            const limitsOfExam = (examId: string) =>
              limitsOf(tables.get(config.POLICIES_TOPIC, examId) as ExamPolicy | undefined);
            const signals = await scoreFaces(
              models,
              frames,
              faces,
              state,
              limitsOfExam,
              config.FACE_IDENTITY_INTERVAL_MS,
              logger,
            );
            const pictures = await Promise.all(thumbnails.pick(frames).map(({ frame }) => thumbnailOf(frame)));
            return [
              ...frames.map(({ frame }, index): OutputRecord => ({
                topic: config.SCORES_TOPIC,
                key: frame.sessionId,
                value: detectorScore(frame, config.FRAMES_TOPIC, 'FACE', scoredBy, signals[index]!),
              })),
              ...pictures.map((value) => ({ topic: config.THUMBNAILS_TOPIC, key: value.sessionId, value })),
            ];
          },
          close: () => models.close(),
        });
      },
    };
  },
});
