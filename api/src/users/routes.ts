import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { callerOf, signedIn } from '../auth/guard.ts';
import { hashPassword } from '../auth/passwords.ts';
import { roles } from '../auth/tokens.ts';
import type { ApiDeps, ApiRouter, Row } from '../context.ts';
import { conflict, notFound, parse } from '../http.ts';
import { audit } from '../audit.ts';
import { publishSessionStatus } from '../sessions/status.ts';
import { examToManage } from '../exams/access.ts';
import { importCandidates } from './import.ts';

const newUser = z.object({
  email: z.email().max(320),
  displayName: z.string().trim().min(1).max(200),
  role: z.enum(roles),
  password: z.string().min(12, 'at least 12 characters').max(1024),
});

const importRequest = z.object({
  /** The CSV file's text: header email,name[,password]. */
  csv: z.string().min(1).max(1_000_000),
  /** An exam to enrol every imported candidate in. */
  examId: z.string().min(1).max(200).optional(),
});

const userColumns = 'id, email, display_name AS "displayName", role, disabled, created_at AS "createdAt"';

/** Creates a user (emails are kept lower case); the caller is the admin who did it, if any. */
export async function createUser(deps: ApiDeps, input: z.infer<typeof newUser>, actorId: string | null) {
  const id = randomUUID();
  try {
    const { rows } = await deps.pool.query<Row>(
      `INSERT INTO users (id, email, display_name, role, password_hash) VALUES ($1, lower($2), $3, $4, $5)
       RETURNING ${userColumns}`,
      [id, input.email, input.displayName, input.role, await hashPassword(input.password)],
    );
    await audit(deps.pool, { actorId, action: 'user.create', entityType: 'user', entityId: id, after: rows[0] });
    return rows[0] as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw conflict('a user with this email exists');
    throw error;
  }
}

export function registerUserRoutes(router: ApiRouter, deps: ApiDeps): void {
  const admin = signedIn(deps, 'admin');

  router.post('/users', admin, async (ctx) => {
    ctx.status = 201;
    ctx.body = await createUser(deps, parse(newUser, ctx.request.body), callerOf(ctx.state).userId);
  });

  router.post('/users/import', admin, async (ctx) => {
    const caller = callerOf(ctx.state);
    const { csv, examId } = parse(importRequest, ctx.request.body);
    if (examId !== undefined) await examToManage(deps.pool, caller, examId);
    const result = await importCandidates(deps, csv, examId ?? null, caller.userId);
    if ('problems' in result) {
      ctx.status = 422;
      ctx.body = {
        error: `${result.problems.length} line(s) of the file are wrong: nobody was imported`,
        problems: result.problems,
      };
      return;
    }
    ctx.status = 201;
    ctx.body = result;
  });

  // Instructors see the students and proctors they may assign to their exams; admins everyone.
  router.get('/users', signedIn(deps, 'admin', 'instructor'), async (ctx) => {
    const { role } = parse(z.object({ role: z.enum(roles).optional() }), ctx.query, 'query');
    const listed = callerOf(ctx.state).role === 'admin' ? [...roles] : ['student', 'proctor'];
    const { rows } = await deps.pool.query<Row>(
      `SELECT ${userColumns} FROM users WHERE role = ANY($1) AND ($2::text IS NULL OR role = $2) ORDER BY email`,
      [listed, role ?? null],
    );
    ctx.body = { users: rows };
  });

  router.post('/users/:userId/disable', admin, async (ctx) => {
    const { rows: before } = await deps.pool.query<Row>(`SELECT ${userColumns} FROM users WHERE id = $1`, [
      ctx.params.userId!,
    ]);
    if (!before[0]) throw notFound('user');
    const { rows } = await deps.pool.query<Row>(
      `UPDATE users SET disabled = true WHERE id = $1 RETURNING ${userColumns}`,
      [ctx.params.userId!],
    );
    await deps.refreshTokens.revokeUser(ctx.params.userId!);
    // Their running sessions end and are revoked: tokens neither refreshed nor taken any more.
    const { rows: live } = await deps.pool.query<{ id: string }>(
      "UPDATE sessions SET status = 'ended', ended_at = now() WHERE candidate_id = $1 AND status = 'active' RETURNING id",
      [ctx.params.userId!],
    );
    await publishSessionStatus(
      deps,
      live.map(({ id }) => id),
      'REVOKED',
    );
    await audit(deps.pool, {
      actorId: callerOf(ctx.state).userId,
      action: 'user.disable',
      entityType: 'user',
      entityId: ctx.params.userId!,
      before: before[0],
      after: rows[0],
    });
    ctx.body = rows[0];
  });
}
