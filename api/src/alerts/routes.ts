import type pg from 'pg';
import { z } from 'zod';
import type { AlertReview } from '@proctoflex/core';
import { audit } from '../audit.ts';
import { callerOf, signedIn } from '../auth/guard.ts';
import type { Caller } from '../auth/tokens.ts';
import type { ApiDeps, ApiRouter, Row } from '../context.ts';
import { examFor, visibleExams } from '../exams/access.ts';
import { badRequest, notFound, parse } from '../http.ts';
import { inTransaction } from '../transaction.ts';

const id = z.string().min(1).max(200);
const ruleName = z.string().regex(/^[a-z_]{1,64}$/, 'expected a rule name such as no_face');
const listQuery = z.object({
  examId: id.optional(),
  sessionId: id.optional(),
  state: z.enum(['open', 'closed']).optional(),
  reviewStatus: z.enum(['pending', 'confirmed', 'dismissed', 'escalated']).optional(),
  severity: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).optional(),
  rule: ruleName.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The `next` of the previous page. */
  after: z.string().max(300).optional(),
});

const review = z.object({
  decision: z.enum(['confirm', 'dismiss', 'escalate']),
  comment: z.string().trim().max(2000).optional(),
});
/** One decision for every pending alert of a rule in an exam: at most this many a request (each is audited and published). */
const maxBulkDecisions = 2000;
const bulkReview = review.extend({ rule: ruleName });

const decisions = {
  confirm: { status: 'confirmed', published: 'CONFIRMED' },
  dismiss: { status: 'dismissed', published: 'DISMISSED' },
  escalate: { status: 'escalated', published: 'ESCALATED' },
} as const;

const alertColumns = `a.id, a.session_id AS "sessionId", a.exam_id AS "examId", a.candidate_id AS "candidateId",
  a.rule, a.state, a.severity, a.description, a.revision, a.started_at AS "startedAt", a.ended_at AS "endedAt",
  a.review_status AS "reviewStatus", a.reviewed_by AS "reviewedBy", a.reviewed_at AS "reviewedAt",
  a.updated_at AS "updatedAt"`;

/** An alert as the API shows it, or undefined. */
export async function readAlert(pool: pg.Pool, alertId: string): Promise<Row | undefined> {
  const { rows } = await pool.query<Row>(`SELECT ${alertColumns} FROM alerts a WHERE a.id = $1`, [alertId]);
  return rows[0];
}

/** Keyset pages, newest first: the cursor is the last row's (started_at, id). */
const cursorOf = (row: { startedAt: Date; id: string }) =>
  Buffer.from(JSON.stringify([row.startedAt.toISOString(), row.id])).toString('base64url');
function parseCursor(cursor: string): [string, string] {
  try {
    const [startedAt, alertId] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    // Exactly what cursorOf writes: JavaScript reads "1" or "2026-02-30" as dates, PostgreSQL does not.
    if (
      typeof startedAt === 'string' &&
      typeof alertId === 'string' &&
      alertId.length <= 200 &&
      !Number.isNaN(Date.parse(startedAt)) &&
      new Date(startedAt).toISOString() === startedAt
    )
      return [startedAt, alertId];
  } catch {
    // Reported below, as any other malformed cursor.
  }
  throw badRequest('query.after: not a cursor this API returned');
}

export function registerAlertRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { pool, config } = deps;
  const watchers = signedIn(deps, 'proctor', 'instructor', 'admin');

  /** The alert, if the caller may see its exam. */
  const alertFor = async (caller: Caller, alertId: string) => {
    const alert = (await readAlert(pool, alertId)) as
      { id: string; examId: string; sessionId: string; rule: string } | undefined;
    if (!alert) throw notFound('alert');
    await examFor(pool, caller, alert.examId);
    return alert;
  };

  router.get('/alerts', watchers, async (ctx) => {
    const caller = callerOf(ctx.state);
    const query = parse(listQuery, ctx.query, 'query');
    const values: unknown[] = [caller.userId];
    const where = ['e.deleted_at IS NULL', visibleExams(caller)];
    const add = (sql: (placeholder: string) => string, value: unknown) => {
      values.push(value);
      where.push(sql(`$${values.length}`));
    };
    if (query.examId) add((p) => `a.exam_id = ${p}`, query.examId);
    if (query.sessionId) add((p) => `a.session_id = ${p}`, query.sessionId);
    if (query.state) add((p) => `a.state = ${p}`, query.state);
    if (query.reviewStatus) add((p) => `a.review_status = ${p}`, query.reviewStatus);
    if (query.severity) add((p) => `a.severity = ${p}`, query.severity);
    if (query.rule) add((p) => `a.rule = ${p}`, query.rule);
    if (query.from) add((p) => `a.started_at >= ${p}`, query.from);
    if (query.to) add((p) => `a.started_at < ${p}`, query.to);
    if (query.after) {
      const [startedAt, alertId] = parseCursor(query.after);
      values.push(startedAt, alertId);
      where.push(`(a.started_at, a.id) < ($${values.length - 1}::timestamptz, $${values.length})`);
    }
    values.push(query.limit + 1);
    const { rows } = await pool.query<{ startedAt: Date; id: string }>(
      `SELECT ${alertColumns} FROM alerts a JOIN exams e ON e.id = a.exam_id
       WHERE ${where.join(' AND ')} ORDER BY a.started_at DESC, a.id DESC LIMIT $${values.length}`,
      values,
    );
    const page = rows.slice(0, query.limit);
    ctx.body = { alerts: page, next: rows.length > query.limit ? cursorOf(page.at(-1)!) : null };
  });

  router.get('/alerts/:alertId', watchers, async (ctx) => {
    const alert = await alertFor(callerOf(ctx.state), ctx.params.alertId!);
    const [{ rows: history }, { rows: evidence }, { rows: details }, { rows: decisions }] = await Promise.all([
      pool.query<Row>(
        `SELECT revision, action, severity, description, event_time AS "eventTime" FROM alert_history
         WHERE alert_id = $1 ORDER BY revision`,
        [alert.id],
      ),
      pool.query<{ kind: string }>(
        `SELECT kind, content_type AS "contentType", byte_size AS "byteSize", frame_count AS "frameCount",
           audio_ms AS "audioMs", from_time AS "fromTime", to_time AS "toTime"
         FROM alert_evidence WHERE alert_id = $1 ORDER BY kind`,
        [alert.id],
      ),
      pool.query<Row>('SELECT evidence AS "evidenceRefs", scores FROM alerts WHERE id = $1', [alert.id]),
      pool.query<Row>(
        `SELECT l.after->>'reviewStatus' AS decision, l.comment, l.actor_id AS "reviewerId",
           u.display_name AS "reviewerName", l.created_at AS "reviewedAt"
         FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
         WHERE l.entity_type = 'alert' AND l.entity_id = $1 AND l.action = 'alert.review' ORDER BY l.id`,
        [alert.id],
      ),
    ]);
    ctx.body = {
      ...alert,
      ...details[0],
      history,
      decisions,
      evidence: evidence.map((file) => ({ ...file, url: `/api/alerts/${alert.id}/evidence/${file.kind}` })),
    };
  });

  /**
   * Decides the alerts `alertIds` in the caller's transaction: each locked, updated, audited with
   * its state before and after, and published to the reviews topic (the transaction commits only
   * once the analytics stream has every decision). Returns them as they are now.
   */
  const decide = async (
    client: pg.PoolClient,
    caller: Caller,
    alertIds: readonly string[],
    decision: keyof typeof decisions,
    comment: string | null,
  ) => {
    const { status, published } = decisions[decision];
    const { rows: before } = await client.query<Row>(
      `SELECT ${alertColumns} FROM alerts a WHERE a.id = ANY($1) ORDER BY a.id FOR UPDATE`,
      [alertIds],
    );
    const { rows: after } = await client.query<Row & { id: string; sessionId: string; examId: string; rule: string }>(
      `UPDATE alerts a SET review_status = $2, reviewed_by = $3, reviewed_at = now() WHERE a.id = ANY($1)
       RETURNING ${alertColumns}`,
      [alertIds, status, caller.userId],
    );
    const beforeOf = new Map(before.map((row) => [row.id, row]));
    await audit(
      client,
      after.map((alert) => ({
        actorId: caller.userId,
        action: 'alert.review',
        entityType: 'alert',
        entityId: alert.id,
        before: beforeOf.get(alert.id),
        after: alert,
        comment,
      })),
    );
    const reviewedTime = Date.now();
    await deps.publish(
      config.REVIEWS_TOPIC,
      after.map((alert) => ({
        key: alert.sessionId,
        value: {
          alertId: alert.id,
          sessionId: alert.sessionId,
          examId: alert.examId,
          rule: alert.rule,
          decision: published,
          reviewerId: caller.userId,
          reviewedTime,
        } satisfies AlertReview,
      })),
    );
    return after;
  };

  router.post('/alerts/:alertId/review', signedIn(deps, 'proctor', 'admin'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const alert = await alertFor(caller, ctx.params.alertId!);
    const { decision, comment } = parse(review, ctx.request.body);
    ctx.body = (
      await inTransaction(pool, (client) => decide(client, caller, [alert.id], decision, comment ?? null))
    )[0];
  });

  // Every alert of one rule in one exam still waiting for a decision, decided at once (e.g. a
  // rule that misfired for a whole room); decided ones keep their decision.
  router.post('/exams/:examId/alerts/review', signedIn(deps, 'proctor', 'admin'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const exam = await examFor(pool, caller, ctx.params.examId!);
    const { rule, decision, comment } = parse(bulkReview, ctx.request.body);
    ctx.body = await inTransaction(pool, async (client) => {
      const { rows: pending } = await client.query<{ id: string }>(
        `SELECT id FROM alerts WHERE exam_id = $1 AND rule = $2 AND review_status = 'pending'
         ORDER BY started_at LIMIT $3`,
        [exam.id, rule, maxBulkDecisions],
      );
      const decided = await decide(
        client,
        caller,
        pending.map(({ id }) => id),
        decision,
        comment ?? null,
      );
      return { decided: decided.length, alertIds: decided.map(({ id }) => id) };
    });
  });

  router.get('/alerts/:alertId/evidence/:kind', watchers, async (ctx) => {
    const alert = await alertFor(callerOf(ctx.state), ctx.params.alertId!);
    const { rows } = await pool.query<{ storage_key: string; content_type: string }>(
      'SELECT storage_key, content_type FROM alert_evidence WHERE alert_id = $1 AND kind = $2',
      [alert.id, ctx.params.kind],
    );
    if (!rows[0]) throw notFound('evidence');
    ctx.set('Cache-Control', 'private, no-store');
    ctx.type = rows[0].content_type;
    ctx.body = await deps.evidence.get(rows[0].storage_key);
  });
}
