import {
  createClickHouse,
  isConnectionFailure,
  ServiceUnavailableError,
  type DetectorScore,
  type StageDefinition,
} from '@proctoflex/core';
import { loadClickHouseSinkConfig } from './config.ts';
import { signalRows } from './rows.ts';

/**
 * Writes every detector score into ClickHouse `signals`, one row per signal, one insert per
 * batch; offsets are committed after the insert succeeded. A batch inserted again after a crash
 * is removed by the table itself (ReplacingMergeTree on the score's identity: query with FINAL).
 */
export function clickHouseSinkStage(): StageDefinition {
  const config = loadClickHouseSinkConfig();
  return {
    name: 'clickhouse-sink',
    inputs: [config.SCORES_TOPIC],
    outputs: [],
    delivery: 'at-least-once',
    stateful: false,
    // ClickHouse wants few large inserts.
    batchMaxRecords: 5000,
    open: ({ services }) => {
      const client = createClickHouse(services.CLICKHOUSE_URL);
      return Promise.resolve({
        async processBatch(records) {
          const values = records.flatMap(({ value }) => signalRows(value as DetectorScore));
          try {
            await client.insert({ table: 'signals', values, format: 'JSONEachRow' });
          } catch (error) {
            if (isConnectionFailure(error))
              throw new ServiceUnavailableError('ClickHouse did not take the batch', error);
            throw error;
          }
          return [];
        },
        close: () => client.close(),
      });
    },
  };
}
