import { topicsSpec, type ConfigOf } from '@proctoflex/core';

export const appPolicySpec = {
  PROCESS_TOPIC: topicsSpec.PROCESS_TOPIC,
  POLICIES_TOPIC: topicsSpec.POLICIES_TOPIC,
  SCORES_TOPIC: topicsSpec.SCORES_TOPIC,
};

export type AppPolicyConfig = ConfigOf<typeof appPolicySpec>;
