import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { audit } from '../audit.ts';
import { callerOf, currentCaller, signedIn } from '../auth/guard.ts';
import type { ApiDeps, ApiRouter } from '../context.ts';
import { conflict, notFound, parse } from '../http.ts';
import { openEventStream } from '../live/routes.ts';
import { inTransaction } from '../transaction.ts';
import { visibleSession } from './routes.ts';
import { publishSessionStatus } from './status.ts';

/** The PostgreSQL channel on which an API process announces an intervention sent or acknowledged. */
export const interventionsChannel = 'interventions';

/** What a NOTIFY on `interventionsChannel` carries (as JSON). */
export interface InterventionNotice {
  readonly interventionId: string;
}

export type InterventionKind = 'message' | 'pause' | 'resume' | 'end';

/** A proctor's intervention as proctors see it. */
export interface Intervention {
  readonly id: string;
  readonly sessionId: string;
  readonly examId: string;
  readonly kind: InterventionKind;
  /** The message, or the reason the candidate is told. */
  readonly text: string;
  readonly sentBy: string | null;
  readonly sentByName: string | null;
  readonly sentAt: Date;
  readonly acknowledgedAt: Date | null;
}

/** The most past interventions a candidate's client is sent when it connects. */
const replayedInterventions = 100;

const interventionColumns = `i.id, i.session_id AS "sessionId", s.exam_id AS "examId", i.kind, i.text,
  i.sent_by AS "sentBy", u.display_name AS "sentByName", i.sent_at AS "sentAt", i.acknowledged_at AS "acknowledgedAt"
  FROM interventions i JOIN sessions s ON s.id = i.session_id LEFT JOIN users u ON u.id = i.sent_by`;

export async function readIntervention(pool: pg.Pool, interventionId: string): Promise<Intervention | undefined> {
  const { rows } = await pool.query<Intervention>(`SELECT ${interventionColumns} WHERE i.id = $1`, [interventionId]);
  return rows[0];
}

/** What the candidate's client is told of an intervention: not who sent it. */
const forCandidate = ({ id, kind, text, sentAt, acknowledgedAt }: Intervention) => ({
  id,
  kind,
  text,
  sentAt,
  acknowledgedAt,
});

const interventionRequest = z
  .object({
    kind: z.enum(['message', 'pause', 'resume', 'end']),
    text: z.string().trim().max(1000).default(''),
  })
  .refine(({ kind, text }) => kind === 'resume' || text.length > 0, {
    path: ['text'],
    message: 'say what to tell the candidate: the message, or why',
  });

const notify = (db: pg.Pool | pg.PoolClient, interventionId: string) =>
  db.query('SELECT pg_notify($1, $2)', [
    interventionsChannel,
    JSON.stringify({ interventionId } satisfies InterventionNotice),
  ]);

/**
 * A proctor reaches a candidate during their session: `POST /api/sessions/{id}/interventions`
 * sends a message, pauses (the client covers the exam until resumed), resumes, or ends the
 * session, each with what the candidate is told; audited. The candidate's client follows
 * `GET /api/sessions/{id}/interventions/stream` (Server-Sent Events: the last interventions, then
 * each as it is sent) and acknowledges each one; proctors see both on `GET /api/live`.
 */
export function registerInterventionRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { pool } = deps;

  router.post('/sessions/:sessionId/interventions', signedIn(deps, 'proctor', 'instructor', 'admin'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const session = await visibleSession(pool, caller, ctx.params.sessionId!);
    const { kind, text } = parse(interventionRequest, ctx.request.body);
    const id = randomUUID();
    const endedAt = await inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ status: string; paused: boolean }>(
        'SELECT status, paused_at IS NOT NULL AS paused FROM sessions WHERE id = $1 FOR UPDATE',
        [session.id],
      );
      const { status, paused } = rows[0]!;
      if (status !== 'active') throw conflict('the session has ended');
      if (kind === 'pause' && paused) throw conflict('the session is already paused');
      if (kind === 'resume' && !paused) throw conflict('the session is not paused');
      const { rows: changed } = await client.query<{ endedAt: Date | null }>(
        `UPDATE sessions SET
           paused_at = CASE $2 WHEN 'pause' THEN now() WHEN 'message' THEN paused_at ELSE NULL END,
           status = CASE WHEN $2 = 'end' THEN 'ended' ELSE status END,
           ended_at = CASE WHEN $2 = 'end' THEN now() ELSE ended_at END
         WHERE id = $1 RETURNING ended_at AS "endedAt"`,
        [session.id, kind],
      );
      await client.query(
        'INSERT INTO interventions (id, session_id, kind, text, sent_by) VALUES ($1, $2, $3, $4, $5)',
        [id, session.id, kind, text, caller.userId],
      );
      await audit(client, {
        actorId: caller.userId,
        action: 'session.intervention',
        entityType: 'session',
        entityId: session.id,
        after: { interventionId: id, kind, text },
      });
      await notify(client, id);
      return kind === 'end' ? changed[0]!.endedAt : null;
    });
    // An ended session takes only what was captured before the end (what the client had buffered).
    if (endedAt) await publishSessionStatus(deps, [session.id], 'ENDED', endedAt.getTime());
    ctx.status = 201;
    ctx.body = await readIntervention(pool, id);
  });

  router.get('/sessions/:sessionId/interventions', signedIn(deps), async (ctx) => {
    const caller = callerOf(ctx.state);
    const session = await visibleSession(pool, caller, ctx.params.sessionId!);
    const { rows } = await pool.query<Intervention>(
      `SELECT ${interventionColumns} WHERE i.session_id = $1 ORDER BY i.sent_at, i.id`,
      [session.id],
    );
    ctx.body = { interventions: caller.role === 'student' ? rows.map(forCandidate) : rows };
  });

  router.get('/sessions/:sessionId/interventions/stream', signedIn(deps, 'student'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const session = await visibleSession(pool, caller, ctx.params.sessionId!);
    const stream = openEventStream(ctx, deps, async () => {
      await visibleSession(pool, await currentCaller(deps, caller, ['student']), session.id);
    });
    // Subscribed before the past is read: an intervention sent meanwhile comes twice, never not at all.
    stream.onClose(deps.live.subscribeSession(session.id, (sent) => stream.send('intervention', forCandidate(sent))));
    const { rows } = await pool.query<Intervention>(
      `SELECT * FROM (SELECT ${interventionColumns} WHERE i.session_id = $1 ORDER BY i.sent_at DESC, i.id DESC LIMIT $2) AS recent
       ORDER BY "sentAt", id`,
      [session.id, replayedInterventions],
    );
    stream.send('ready', { sessionId: session.id });
    for (const intervention of rows) stream.send('intervention', forCandidate(intervention));
  });

  router.post(
    '/sessions/:sessionId/interventions/:interventionId/acknowledgement',
    signedIn(deps, 'student'),
    async (ctx) => {
      const session = await visibleSession(pool, callerOf(ctx.state), ctx.params.sessionId!);
      const { rowCount } = await pool.query(
        'UPDATE interventions SET acknowledged_at = now() WHERE id = $1 AND session_id = $2 AND acknowledged_at IS NULL',
        [ctx.params.interventionId, session.id],
      );
      const intervention = await readIntervention(pool, ctx.params.interventionId!);
      if (!intervention || intervention.sessionId !== session.id) throw notFound('intervention');
      // Acknowledging twice changes nothing.
      if (rowCount) await notify(pool, intervention.id);
      ctx.body = forCandidate(intervention);
    },
  );
}
