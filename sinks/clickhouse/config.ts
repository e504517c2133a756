import { loadConfig, topicsSpec, type ConfigOf } from '@proctoflex/core';

export const clickHouseSinkSpec = {
  SCORES_TOPIC: topicsSpec.SCORES_TOPIC,
};

export type ClickHouseSinkConfig = ConfigOf<typeof clickHouseSinkSpec>;
export const loadClickHouseSinkConfig = () => loadConfig(clickHouseSinkSpec);
