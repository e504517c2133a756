import type pg from 'pg';
import { z } from 'zod';
import { signedIn } from './auth/guard.ts';
import type { ApiDeps, ApiRouter, Row } from './context.ts';
import { parse } from './http.ts';

export interface AuditEntry {
  readonly actorId: string | null;
  /** What was done, e.g. alert.review, exam.update, user.disable. */
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly comment?: string | null;
}

/**
 * Records who did what to what, with the state before and after, in the caller's transaction when
 * given one. Several entries (a bulk decision, an import) go in one statement, in their order.
 */
export async function audit(db: pg.Pool | pg.PoolClient, entries: AuditEntry | readonly AuditEntry[]): Promise<void> {
  const all = ([] as AuditEntry[]).concat(entries);
  if (all.length === 0) return;
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  await db.query(
    `INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, comment)
     SELECT actor_id, action, entity_type, entity_id, before, after, comment
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[])
       WITH ORDINALITY AS entry(actor_id, action, entity_type, entity_id, before, after, comment, position)
     ORDER BY position`,
    [
      all.map(({ actorId }) => actorId),
      all.map(({ action }) => action),
      all.map(({ entityType }) => entityType),
      all.map(({ entityId }) => entityId),
      all.map(({ before }) => json(before)),
      all.map(({ after }) => json(after)),
      all.map(({ comment }) => comment ?? null),
    ],
  );
}

const auditQuery = z.object({
  entityType: z.enum(['alert', 'exam', 'session', 'user']).optional(),
  entityId: z.string().min(1).max(200).optional(),
  actorId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `next` of the previous page: entries older than this id. */
  before: z.coerce.number().int().positive().optional(),
});

/** `GET /api/audit` (admin): the audit log, newest first, filtered by entity or actor. */
export function registerAuditRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/audit', signedIn(deps, 'admin'), async (ctx) => {
    const query = parse(auditQuery, ctx.query, 'query');
    const { rows } = await deps.pool.query<Row & { id: string }>(
      `SELECT l.id::text, l.actor_id AS "actorId", u.display_name AS "actorName", l.action,
         l.entity_type AS "entityType", l.entity_id AS "entityId", l.before, l.after, l.comment, l.created_at AS "at"
       FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
       WHERE ($1::text IS NULL OR l.entity_type = $1) AND ($2::text IS NULL OR l.entity_id = $2)
         AND ($3::text IS NULL OR l.actor_id = $3) AND ($4::bigint IS NULL OR l.id < $4)
       ORDER BY l.id DESC LIMIT $5`,
      [query.entityType ?? null, query.entityId ?? null, query.actorId ?? null, query.before ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    ctx.body = { entries: page, next: rows.length > query.limit ? Number(page.at(-1)!.id) : null };
  });
}
