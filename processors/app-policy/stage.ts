import {
  catalogueVersion,
  detectorScore,
  type ExamPolicy,
  type ProcessSnapshot,
  pipelineStage,
} from '@proctoflex/core';
import { appPolicySpec } from './config.ts';
import { appPolicySignals } from './detect.ts';

/**
 * Scores every process snapshot against its exam's policy, read as a table: a policy published
 * while sessions run applies from the next snapshot on.
 */
export const appPolicyStage = pipelineStage({
  name: 'app-policy',
  spec: appPolicySpec,
  create(config) {
    return {
      inputs: [config.PROCESS_TOPIC],
      tables: [config.POLICIES_TOPIC],
      outputs: [{ topic: config.SCORES_TOPIC, schema: 'DetectorScore' }],
      delivery: 'exactly-once',
      stateful: false,
      open: () =>
        Promise.resolve({
          processBatch: (records, { tables }) =>
            Promise.resolve(
              records.map(({ value }) => {
                const snapshot = value as ProcessSnapshot;
                const policy = tables.get(config.POLICIES_TOPIC, snapshot.examId) as ExamPolicy | undefined;
                return {
                  topic: config.SCORES_TOPIC,
                  key: snapshot.sessionId,
                  value: detectorScore(
                    snapshot,
                    config.PROCESS_TOPIC,
                    'APP_POLICY',
                    catalogueVersion,
                    appPolicySignals(snapshot, policy),
                  ),
                };
              }),
            ),
        }),
    };
  },
});
