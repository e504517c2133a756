import { batchMaxRecordsDefault, parsers, topicsSpec, variable, type ConfigOf } from '@proctoflex/core';
import { inferenceSpec } from '@proctoflex/inference';

export const faceSpec = {
  STAGE_BATCH_MAX_RECORDS: batchMaxRecordsDefault(16),
  FRAMES_TOPIC: topicsSpec.FRAMES_TOPIC,
  POLICIES_TOPIC: topicsSpec.POLICIES_TOPIC,
  SCORES_TOPIC: topicsSpec.SCORES_TOPIC,
  THUMBNAILS_TOPIC: topicsSpec.THUMBNAILS_TOPIC,
  ...inferenceSpec,
  FACE_IDENTITY_INTERVAL_MS: variable(
    parsers.positiveInt,
    "How often a session's face is compared with its enrolment photo (one comparison costs about four face detections), and its camera's orientation checked (three more).",
    '10000',
  ),
  FACE_THUMBNAIL_INTERVAL_MS: variable(
    parsers.positiveInt,
    "How often a session's webcam thumbnail for the proctors' live wall is written (THUMBNAILS_TOPIC).",
    '4000',
  ),
};

export type FaceConfig = ConfigOf<typeof faceSpec>;
