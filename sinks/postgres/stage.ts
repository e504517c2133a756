import pg from 'pg';
import {
  alertsChannel,
  pipelineStage,
  ServiceUnavailableError,
  type AlertEvent,
  type AlertNotice,
} from '@proctoflex/core';
import { alertsSinkSpec } from './config.ts';

/**
 * A newer revision replaces the pipeline's fields of the alert; an older or replayed one changes
 * nothing. The proctor's review (review_status, reviewed_by, reviewed_at) is never written here.
 */
const upsertAlert = `
INSERT INTO alerts (id, session_id, exam_id, candidate_id, rule, state, severity, description, revision,
                    start_seq, started_at, ended_at, evidence, scores)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, to_timestamp($11 / 1000.0), to_timestamp($12 / 1000.0), $13, $14)
ON CONFLICT (id) DO UPDATE SET
  state = EXCLUDED.state, severity = EXCLUDED.severity, description = EXCLUDED.description,
  revision = EXCLUDED.revision, ended_at = EXCLUDED.ended_at, evidence = EXCLUDED.evidence,
  scores = EXCLUDED.scores, updated_at = now()
WHERE alerts.revision < EXCLUDED.revision`;

const insertHistory = `
INSERT INTO alert_history (alert_id, revision, action, severity, description, event_time)
VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0))
ON CONFLICT (alert_id, revision) DO NOTHING`;

/**
 * Writes every AlertEvent into PostgreSQL `alerts` (one row per alert, by its deterministic id)
 * and `alert_history` (one row per revision), and NOTIFYs `alertsChannel` of each change, in one
 * transaction per batch; offsets are committed after it. Replays and restarts change nothing already written.
 */
export const alertsSinkStage = pipelineStage({
  name: 'alerts-sink',
  spec: alertsSinkSpec,
  create(config) {
    return {
      inputs: [config.ALERTS_TOPIC],
      outputs: [],
      delivery: 'at-least-once',
      stateful: false,
      open: ({ services }) => {
        const pool = new pg.Pool({ connectionString: services.DATABASE_URL, max: 2 });
        // An idle client that loses its connection must not crash the process.
        pool.on('error', () => undefined);
        return Promise.resolve({
          async processBatch(records) {
            const client = await pool.connect().catch((error: unknown) => {
              throw new ServiceUnavailableError('PostgreSQL is unavailable', error);
            });
            try {
              await client.query('BEGIN');
              for (const { value } of records) {
                const alert = value as AlertEvent;
                const { rowCount } = await client.query(upsertAlert, [
                  alert.alertId,
                  alert.sessionId,
                  alert.examId,
                  alert.candidateId,
                  alert.rule,
                  alert.action === 'CLOSED' ? 'closed' : 'open',
                  alert.severity,
                  alert.description,
                  alert.revision,
                  alert.startSeq,
                  alert.startTime,
                  alert.endTime,
                  JSON.stringify(alert.evidence),
                  JSON.stringify(alert.scores),
                ]);
                await client.query(insertHistory, [
                  alert.alertId,
                  alert.revision,
                  alert.action,
                  alert.severity,
                  alert.description,
                  alert.eventTime,
                ]);
                // Only what changed is news: a replayed or older event stays quiet.
                if (rowCount === 0) continue;
                const notice: AlertNotice = {
                  alertId: alert.alertId,
                  sessionId: alert.sessionId,
                  examId: alert.examId,
                  action: alert.action,
                  revision: alert.revision,
                };
                await client.query('SELECT pg_notify($1, $2)', [alertsChannel, JSON.stringify(notice)]);
              }
              await client.query('COMMIT');
              return [];
            } catch (error) {
              // Whether the batch waits (PostgreSQL away) or its records are isolated is isRetriable's call.
              await client.query('ROLLBACK').catch(() => undefined);
              throw error;
            } finally {
              client.release();
            }
          },
          close: () => pool.end(),
        });
      },
    };
  },
});
