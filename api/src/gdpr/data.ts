import type pg from 'pg';
import { createClickHouse, deleteSessionEvidence } from '@proctoflex/core';
import { queryWithParams } from '../analytics/clickhouse.ts';
import type { ApiDeps, Row } from '../context.ts';
import { erasedFromPipeline } from '../sessions/status.ts';
import { deleteReferencePhoto } from '../users/reference-photo.ts';
import { inTransaction } from '../transaction.ts';

/** The ClickHouse tables with rows about candidates (infra/clickhouse/migrations). */
const candidateTables = ['signals', 'risk_updates', 'alert_events', 'session_events', 'process_snapshots'];
/** Every table holding an exam's rows. */
const examTables = [...candidateTables, 'alert_reviews', 'signal_minute_states', 'exams'];
/** Tables partitioned by day, oldest dropped once past every exam's retention. */
const dailyTables = [...candidateTables, 'alert_reviews'];

/**
 * ClickHouse mutations take literal values (external data does not reach ALTER). Only ids this
 * API generated (UUIDs) are ever written into one, checked here.
 */
function uuidLiteral(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
    throw new Error(`not an id this API issued: ${JSON.stringify(id)}`);
  return `'${id}'`;
}

/** Deletes sessions with their alerts (and history), evidence rows and files, and identity selfies. */
async function deleteSessions(deps: ApiDeps, client: pg.PoolClient, sessionIds: string[]): Promise<number> {
  if (sessionIds.length === 0) return 0;
  await deleteSessionEvidence(client, deps.evidence, sessionIds);
  const { rows: selfies } = await client.query<{ key: string }>(
    'SELECT verification_key AS key FROM sessions WHERE id = ANY($1) AND verification_key IS NOT NULL',
    [sessionIds],
  );
  for (const { key } of selfies) await deps.evidence.delete(key);
  await client.query('DELETE FROM alerts WHERE session_id = ANY($1)', [sessionIds]);
  const { rowCount } = await client.query('DELETE FROM sessions WHERE id = ANY($1)', [sessionIds]);
  return rowCount ?? 0;
}

async function deleteFromClickHouse(deps: ApiDeps, tables: string[], condition: string): Promise<void> {
  const clickhouse = createClickHouse(deps.config.CLICKHOUSE_URL);
  try {
    for (const table of tables) await clickhouse.command({ query: `ALTER TABLE ${table} DELETE WHERE ${condition}` });
  } finally {
    await clickhouse.close();
  }
}

/**
 * Everything kept about one candidate, as JSON: account, exams, the reference photo on record (its
 * size and upload; the picture itself from GET /api/users/{id}/reference-photo), sessions and the
 * consents to them, alerts, evidence list, the list of screen pictures (each from GET
 * /api/sessions/{id}/screens/{seq}), analytics rows.
 */
export async function exportCandidate(deps: ApiDeps, userId: string): Promise<Row> {
  const query = async (sql: string) => (await deps.pool.query<Row>(sql, [userId])).rows;
  const analytics: Record<string, Row[]> = {};
  for (const table of candidateTables)
    analytics[table] = await queryWithParams(
      deps.config.CLICKHOUSE_URL,
      `SELECT * FROM ${table} FINAL WHERE candidate_id IN (SELECT candidate_id FROM params)`,
      { candidate_id: userId },
    );
  return {
    exportedAt: new Date().toISOString(),
    user: (await query('SELECT id, email, display_name, role, disabled, created_at FROM users WHERE id = $1'))[0],
    examMemberships: await query('SELECT exam_id, member_role FROM exam_members WHERE user_id = $1'),
    referencePhoto:
      (
        await query(
          'SELECT byte_size, width, height, uploaded_by, uploaded_at FROM reference_photos WHERE user_id = $1',
        )
      )[0] ?? null,
    sessions: await query('SELECT * FROM sessions WHERE candidate_id = $1 ORDER BY started_at'),
    consents: await query(
      `SELECT entity_id AS session_id, after->'notice' AS notice, created_at AS agreed_at FROM audit_log
       WHERE actor_id = $1 AND action = 'session.consent' ORDER BY id`,
    ),
    alerts: await query('SELECT * FROM alerts WHERE candidate_id = $1 ORDER BY started_at'),
    alertHistory: await query(
      'SELECT h.* FROM alert_history h JOIN alerts a ON a.id = h.alert_id WHERE a.candidate_id = $1 ORDER BY h.event_time',
    ),
    evidence: await query(
      `SELECT e.alert_id, e.kind, e.content_type, e.byte_size, e.from_time, e.to_time FROM alert_evidence e
       JOIN sessions s ON s.id = e.session_id WHERE s.candidate_id = $1`,
    ),
    screenPictures: await query(
      `SELECT p.session_id, p.seq, p.capture_time, p.width, p.height, p.byte_size FROM screen_pictures p
       JOIN sessions s ON s.id = p.session_id WHERE s.candidate_id = $1 ORDER BY p.session_id, p.capture_time`,
    ),
    // What proctors told the candidate during their sessions, and when they acknowledged it.
    interventions: await query(
      `SELECT i.session_id, i.kind, i.text, i.sent_at, i.acknowledged_at FROM interventions i
       JOIN sessions s ON s.id = i.session_id WHERE s.candidate_id = $1 ORDER BY i.sent_at, i.id`,
    ),
    analytics,
  };
}

/**
 * Erases one candidate: sessions, alerts, evidence (files too), memberships, sign-ins and analytics
 * rows; the account stays, anonymised and disabled, because audit entries refer to it.
 */
export async function eraseCandidate(deps: ApiDeps, userId: string): Promise<{ sessions: number }> {
  const { rows: ofCandidate } = await deps.pool.query<{ id: string }>(
    'SELECT id FROM sessions WHERE candidate_id = $1',
    [userId],
  );
  const sessionIds = ofCandidate.map(({ id }) => id);
  await erasedFromPipeline(deps, sessionIds);
  const sessions = await inTransaction(deps.pool, async (client) => {
    const erased = await deleteSessions(deps, client, sessionIds);
    await client.query('DELETE FROM alerts WHERE candidate_id = $1', [userId]);
    await client.query('DELETE FROM exam_members WHERE user_id = $1', [userId]);
    await client.query('DELETE FROM refresh_tokens WHERE user_id = $1', [userId]);
    await deleteReferencePhoto(client, deps.evidence, userId);
    await client.query(
      `UPDATE users SET email = 'erased-' || id || '@invalid', display_name = 'erased', disabled = true,
         password_hash = 'erased' WHERE id = $1`,
      [userId],
    );
    return erased;
  });
  await deleteFromClickHouse(deps, candidateTables, `candidate_id = ${uuidLiteral(userId)}`);
  return { sessions };
}

/**
 * Erases every exam past its retention (ends_at + retention_days) and drops ClickHouse day
 * partitions older than the longest retention of any exam still kept.
 */
export async function runRetention(deps: ApiDeps): Promise<{ purgedExams: string[]; droppedPartitions: number }> {
  const { rows: due } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM exams WHERE purged_at IS NULL AND ends_at + make_interval(days => retention_days) < now()`,
  );
  for (const { id } of due) {
    const { rows: ofExam } = await deps.pool.query<{ id: string }>('SELECT id FROM sessions WHERE exam_id = $1', [id]);
    const sessionIds = ofExam.map((row) => row.id);
    await erasedFromPipeline(deps, sessionIds);
    await inTransaction(deps.pool, async (client) => {
      await deleteSessions(deps, client, sessionIds);
      await client.query('DELETE FROM alerts WHERE exam_id = $1', [id]);
    });
    await deleteFromClickHouse(deps, examTables, `exam_id = ${uuidLiteral(id)}`);
    await deps.pool.query('UPDATE exams SET purged_at = now() WHERE id = $1', [id]);
  }

  const { rows: longest } = await deps.pool.query<{ days: number }>(
    'SELECT coalesce(max(retention_days), 90) AS days FROM exams WHERE purged_at IS NULL',
  );
  const cutoff = new Date(Date.now() - longest[0]!.days * 86_400_000).toISOString().slice(0, 10);
  const clickhouse = createClickHouse(deps.config.CLICKHOUSE_URL);
  let droppedPartitions = 0;
  try {
    const result = await clickhouse.query({
      query: `SELECT DISTINCT table, partition FROM system.parts
              WHERE database = currentDatabase() AND active AND table IN (${dailyTables.map((table) => `'${table}'`).join(', ')})`,
      format: 'JSONEachRow',
    });
    for (const { table, partition } of await result.json<{ table: string; partition: string }>()) {
      // Partitions of the daily tables are their day, e.g. '2026-08-01'.
      if (!/^\d{4}-\d{2}-\d{2}$/.test(partition) || partition >= cutoff) continue;
      await clickhouse.command({ query: `ALTER TABLE ${table} DROP PARTITION '${partition}'` });
      droppedPartitions += 1;
    }
  } finally {
    await clickhouse.close();
  }
  return { purgedExams: due.map(({ id }) => id), droppedPartitions };
}
