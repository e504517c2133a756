import { batchMaxRecordsDefault, parsers, topicsSpec, variable, type ConfigOf } from '@proctoflex/core';
import { inferenceSpec } from '@proctoflex/inference';

export const objectSpec = {
  STAGE_BATCH_MAX_RECORDS: batchMaxRecordsDefault(4),
  FRAMES_TOPIC: topicsSpec.FRAMES_TOPIC,
  SCORES_TOPIC: topicsSpec.SCORES_TOPIC,
  ...inferenceSpec,
  OBJECT_EVERY_NTH_FRAME: variable(
    parsers.positiveInt,
    'Score every n-th webcam frame of a session (1: all); the object model costs about four face frames (detection, landmarks, pose).',
    '3',
  ),
};

export type ObjectConfig = ConfigOf<typeof objectSpec>;
