import { topicsSpec, type ConfigOf } from '@proctoflex/core';

export const alertsSinkSpec = {
  ALERTS_TOPIC: topicsSpec.ALERTS_TOPIC,
};

export type AlertsSinkConfig = ConfigOf<typeof alertsSinkSpec>;
