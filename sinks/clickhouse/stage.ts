import {
  createClickHouse,
  type AlertEvent,
  type AlertReview,
  type DetectorScore,
  type ExamPolicy,
  type ProcessSnapshot,
  type RiskUpdate,
  type SessionEvent,
  pipelineStage,
} from '@proctoflex/core';
import { clickHouseSinkSpec } from './config.ts';
import { alertRows, examRows, processRows, reviewRows, riskRows, sessionRows, signalRows, type Row } from './rows.ts';

/**
 * Writes the pipeline's streams into ClickHouse, one table per topic, one insert per table and
 * batch; offsets are committed after every insert succeeded. A batch inserted again after a
 * crash is removed by the tables themselves (ReplacingMergeTree on each record's identity: query
 * with FINAL) and counted once by the rollups (distinct counts).
 */
export const clickHouseSinkStage = pipelineStage({
  name: 'clickhouse-sink',
  spec: clickHouseSinkSpec,
  create(config) {
    // Values come decoded with their writer's schema; one of another shape fails its insert and is dead-lettered.
    const tableOf = new Map<string, { table: string; rows: (value: unknown) => Row[] }>([
      [config.SCORES_TOPIC, { table: 'signals', rows: (value) => signalRows(value as DetectorScore) }],
      [config.RISK_TOPIC, { table: 'risk_updates', rows: (value) => riskRows(value as RiskUpdate) }],
      [config.ALERTS_TOPIC, { table: 'alert_events', rows: (value) => alertRows(value as AlertEvent) }],
      [config.SESSIONS_TOPIC, { table: 'session_events', rows: (value) => sessionRows(value as SessionEvent) }],
      [config.PROCESS_TOPIC, { table: 'process_snapshots', rows: (value) => processRows(value as ProcessSnapshot) }],
      [config.REVIEWS_TOPIC, { table: 'alert_reviews', rows: (value) => reviewRows(value as AlertReview) }],
      [config.POLICIES_TOPIC, { table: 'exams', rows: (value) => examRows(value as ExamPolicy) }],
    ]);
    return {
      inputs: [...tableOf.keys()],
      outputs: [],
      delivery: 'at-least-once',
      stateful: false,
      // ClickHouse wants few large inserts.
      open: ({ services }) => {
        const client = createClickHouse(services.CLICKHOUSE_URL);
        return Promise.resolve({
          async processBatch(records) {
            const rowsByTable = new Map<string, Row[]>();
            for (const { topic, value } of records) {
              const { table, rows } = tableOf.get(topic)!;
              if (!rowsByTable.has(table)) rowsByTable.set(table, []);
              rowsByTable.get(table)!.push(...rows(value));
            }
            // An overloaded or unreachable server makes the batch wait; a rejected row is isolated (isRetriable).
            await Promise.all(
              [...rowsByTable].map(([table, values]) => client.insert({ table, values, format: 'JSONEachRow' })),
            );
            return [];
          },
          close: () => client.close(),
        });
      },
    };
  },
});
