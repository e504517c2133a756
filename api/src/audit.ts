import type pg from 'pg';

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

/** Records who did what to what, with the state before and after, in the caller's transaction when given one. */
export async function audit(db: pg.Pool | pg.PoolClient, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      entry.actorId,
      entry.action,
      entry.entityType,
      entry.entityId,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
      entry.comment ?? null,
    ],
  );
}
