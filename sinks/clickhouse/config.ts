import { batchMaxRecordsDefault, topicsSpec, type ConfigOf } from '@proctoflex/core';

export const clickHouseSinkSpec = {
  STAGE_BATCH_MAX_RECORDS: batchMaxRecordsDefault(5000),
  SCORES_TOPIC: topicsSpec.SCORES_TOPIC,
  RISK_TOPIC: topicsSpec.RISK_TOPIC,
  ALERTS_TOPIC: topicsSpec.ALERTS_TOPIC,
  SESSIONS_TOPIC: topicsSpec.SESSIONS_TOPIC,
  PROCESS_TOPIC: topicsSpec.PROCESS_TOPIC,
  REVIEWS_TOPIC: topicsSpec.REVIEWS_TOPIC,
  POLICIES_TOPIC: topicsSpec.POLICIES_TOPIC,
};

export type ClickHouseSinkConfig = ConfigOf<typeof clickHouseSinkSpec>;
