import { topicsSpec, type ConfigOf } from '@proctoflex/core';
import { inferenceSpec } from '@proctoflex/inference';

export const voiceSpec = {
  AUDIO_TOPIC: topicsSpec.AUDIO_TOPIC,
  SCORES_TOPIC: topicsSpec.SCORES_TOPIC,
  ...inferenceSpec,
};

export type VoiceConfig = ConfigOf<typeof voiceSpec>;
