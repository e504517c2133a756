import { detectorScore, type ExamPolicy, type ProcessSnapshot, type StageDefinition } from '@proctoflex/core';
import { catalogueVersion } from './catalogue.ts';
import { loadAppPolicyConfig } from './config.ts';
import { appPolicySignals } from './detect.ts';

/**
 * Scores every process snapshot against its exam's policy, read as a table: a policy published
 * while sessions run applies from the next snapshot on.
 */
export function appPolicyStage(): StageDefinition {
  const config = loadAppPolicyConfig();
  return {
    name: 'app-policy',
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
}
