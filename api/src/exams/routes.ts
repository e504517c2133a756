import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ruleDefaults, type ExamPolicy } from '@proctoflex/core';

import { audit } from '../audit.ts';
import { callerOf, signedIn } from '../auth/guard.ts';
import type { ApiDeps, ApiRouter, Row } from '../context.ts';
import { badRequest, forbidden, parse } from '../http.ts';
import { inTransaction } from '../transaction.ts';
import { examFor, examToManage, visibleExams } from './access.ts';
import { publishSessionStatus } from '../sessions/status.ts';
import { examReport, reportCsv, reportPdf } from './report.ts';

const name = z.string().trim().min(1).max(200);
const examInput = z
  .object({
    title: name,
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    retentionDays: z.number().int().min(1).max(3650).default(90),
    surveillanceLevel: z.enum(['LOW', 'STANDARD', 'STRICT']).default('STANDARD'),
    allowedApps: z.array(name).max(500).default([]),
    allowedDomains: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^[a-z0-9.-]+$/, 'expected a domain such as example.org'),
      )
      .max(500)
      .default([]),
    ruleOverrides: z
      .array(
        z.object({
          rule: name,
          enabled: z.boolean().nullable().default(null),
          weight: z.number().min(0).max(100).nullable().default(null),
          threshold: z.number().min(0).nullable().default(null),
          persistSeconds: z.number().min(0).max(3600).nullable().default(null),
        }),
      )
      .max(100)
      .default([]),
  })
  .refine((exam) => Date.parse(exam.endsAt) > Date.parse(exam.startsAt), 'endsAt must be after startsAt');
type ExamInput = z.infer<typeof examInput>;

const members = z.object({
  candidates: z.array(z.string().min(1).max(100)).max(10_000),
  proctors: z.array(z.string().min(1).max(100)).max(1_000),
  /** Instructors who manage the exam besides its creator: set by an admin; left as they are when absent. */
  instructors: z.array(z.string().min(1).max(100)).max(100).optional(),
});

const examColumns = `e.id, e.title, e.starts_at AS "startsAt", e.ends_at AS "endsAt",
  e.duration_minutes AS "durationMinutes", e.retention_days AS "retentionDays", e.policy, e.policy_version AS "policyVersion",
  e.created_by AS "createdBy", e.created_at AS "createdAt", e.updated_at AS "updatedAt"`;

function policyOf(examId: string, version: number, input: ExamInput, deleted = false): ExamPolicy {
  return {
    examId,
    version,
    updatedTime: Date.now(),
    title: input.title,
    startTime: Date.parse(input.startsAt),
    endTime: Date.parse(input.endsAt),
    durationMinutes: input.durationMinutes,
    surveillanceLevel: input.surveillanceLevel,
    allowedApps: input.allowedApps,
    allowedDomains: input.allowedDomains,
    ruleOverrides: input.ruleOverrides,
    deleted,
  };
}

export function registerExamRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { pool } = deps;
  /**
   * Stores the exam's new policy and publishes it to proctor.policies.v1 in one step: the row is
   * committed only once Kafka has the policy, so the stages never miss a change the API shows.
   */
  const savePolicy = async (
    sql: string,
    values: unknown[],
    policy: ExamPolicy,
    auditAction: string,
    actorId: string,
  ) => {
    return inTransaction(pool, async (client) => {
      const { rows: before } = await client.query<Row>(
        `SELECT ${examColumns} FROM exams e WHERE e.id = $1 FOR UPDATE`,
        [policy.examId],
      );
      const { rows } = await client.query<Row>(sql, values);
      await audit(client, {
        actorId,
        action: auditAction,
        entityType: 'exam',
        entityId: policy.examId,
        before: before[0],
        after: rows[0],
      });
      await deps.publish(deps.config.POLICIES_TOPIC, [{ key: policy.examId, value: policy }]);
      return rows[0] as Record<string, unknown>;
    });
  };

  // What an exam's ruleOverrides change: every rule with its defaults per surveillance level.
  router.get('/rules', signedIn(deps, 'instructor', 'admin', 'proctor'), (ctx) => {
    ctx.body = { rules: ruleDefaults };
  });

  router.post('/exams', signedIn(deps, 'instructor', 'admin'), async (ctx) => {
    const input = parse(examInput, ctx.request.body);
    const examId = randomUUID();
    const policy = policyOf(examId, 1, input);
    ctx.status = 201;
    ctx.body = await savePolicy(
      `INSERT INTO exams (id, title, starts_at, ends_at, duration_minutes, retention_days, policy, policy_version,
                          created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) RETURNING ${examColumns.replaceAll('e.', '')}`,
      [
        examId,
        input.title,
        input.startsAt,
        input.endsAt,
        input.durationMinutes,
        input.retentionDays,
        policy,
        callerOf(ctx.state).userId,
      ],
      policy,
      'exam.create',
      callerOf(ctx.state).userId,
    );
  });

  router.get('/exams', signedIn(deps), async (ctx) => {
    const caller = callerOf(ctx.state);
    const { rows } = await pool.query<Row>(
      `SELECT ${examColumns} FROM exams e WHERE e.deleted_at IS NULL AND ${visibleExams(caller)} ORDER BY e.starts_at DESC`,
      [caller.userId],
    );
    ctx.body = { exams: rows };
  });

  router.get('/exams/:examId', signedIn(deps), async (ctx) => {
    const exam = await examFor(pool, callerOf(ctx.state), ctx.params.examId!);
    const { rows } = await pool.query<Row>(`SELECT ${examColumns} FROM exams e WHERE e.id = $1`, [exam.id]);
    const { rows: memberRows } = await pool.query<{ userId: string; memberRole: string }>(
      'SELECT user_id AS "userId", member_role AS "memberRole" FROM exam_members WHERE exam_id = $1 ORDER BY user_id',
      [exam.id],
    );
    const of = (role: string) => memberRows.filter((row) => row.memberRole === role).map((row) => row.userId);
    ctx.body = { ...rows[0], candidates: of('candidate'), proctors: of('proctor'), instructors: of('instructor') };
  });

  router.put('/exams/:examId', signedIn(deps, 'instructor', 'admin'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const exam = await examToManage(pool, caller, ctx.params.examId!);
    const input = parse(examInput, ctx.request.body);
    const { rows } = await pool.query<{ version: string }>(
      'SELECT policy_version AS version FROM exams WHERE id = $1',
      [exam.id],
    );
    const policy = policyOf(exam.id, Number(rows[0]!.version) + 1, input);
    ctx.body = await savePolicy(
      `UPDATE exams SET title = $2, starts_at = $3, ends_at = $4, duration_minutes = $5, retention_days = $6,
         policy = $7, policy_version = $8, updated_at = now()
       WHERE id = $1 RETURNING ${examColumns.replaceAll('e.', '')}`,
      [
        exam.id,
        input.title,
        input.startsAt,
        input.endsAt,
        input.durationMinutes,
        input.retentionDays,
        policy,
        policy.version,
      ],
      policy,
      'exam.update',
      caller.userId,
    );
  });

  router.delete('/exams/:examId', signedIn(deps, 'instructor', 'admin'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const exam = await examToManage(pool, caller, ctx.params.examId!);
    const { rows } = await pool.query<{ policy: ExamPolicy }>('SELECT policy FROM exams WHERE id = $1', [exam.id]);
    const current = rows[0]!.policy;
    const policy: ExamPolicy = { ...current, version: current.version + 1, updatedTime: Date.now(), deleted: true };
    await savePolicy(
      `UPDATE exams SET policy = $2, policy_version = $3, deleted_at = now(), updated_at = now()
       WHERE id = $1 RETURNING ${examColumns.replaceAll('e.', '')}`,
      [exam.id, policy, policy.version],
      policy,
      'exam.delete',
      caller.userId,
    );
    await revokeRunningSessions(deps, exam.id, []);
    ctx.status = 204;
  });

  router.put('/exams/:examId/members', signedIn(deps, 'instructor', 'admin'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const exam = await examToManage(pool, caller, ctx.params.examId!);
    const { candidates, proctors, instructors } = parse(members, ctx.request.body);
    if (instructors !== undefined && caller.role !== 'admin') throw forbidden('only an admin assigns instructors');
    const wanted = [
      ...candidates.map((userId) => ({ userId, memberRole: 'candidate', role: 'student' })),
      ...proctors.map((userId) => ({ userId, memberRole: 'proctor', role: 'proctor' })),
      ...(instructors ?? []).map((userId) => ({ userId, memberRole: 'instructor', role: 'instructor' })),
    ];
    const { rows: users } = await pool.query<{ id: string; role: string }>(
      'SELECT id, role FROM users WHERE id = ANY($1) AND NOT disabled',
      [wanted.map(({ userId }) => userId)],
    );
    const roleOf = new Map(users.map(({ id, role }) => [id, role]));
    const wrong = wanted.filter(({ userId, role }) => roleOf.get(userId) !== role);
    if (wrong.length > 0)
      throw badRequest(
        `not active users of the right role (candidates are students, proctors proctors, instructors instructors): ${wrong.map(({ userId }) => userId).join(', ')}`,
      );
    await inTransaction(pool, async (client) => {
      const { rows: before } = await client.query<Row>(
        'SELECT user_id, member_role FROM exam_members WHERE exam_id = $1 ORDER BY member_role, user_id',
        [exam.id],
      );
      await client.query<Row>("DELETE FROM exam_members WHERE exam_id = $1 AND ($2 OR member_role <> 'instructor')", [
        exam.id,
        instructors !== undefined,
      ]);
      await client.query<Row>(
        `INSERT INTO exam_members (exam_id, user_id, member_role)
         SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
        [exam.id, wanted.map(({ userId }) => userId), wanted.map(({ memberRole }) => memberRole)],
      );
      await audit(client, {
        actorId: caller.userId,
        action: 'exam.members',
        entityType: 'exam',
        entityId: exam.id,
        before,
        after: { candidates, proctors, ...(instructors && { instructors }) },
      });
    });
    // A candidate taken off the exam sends no more.
    await revokeRunningSessions(deps, exam.id, candidates);
    ctx.body = { candidates, proctors, ...(instructors && { instructors }) };
  });

  // The exam board's report: a row per alert (CSV) or a document to print (PDF). Audited: it
  // names every candidate and what was decided about them.
  for (const format of ['csv', 'pdf'] as const)
    router.get(`/exams/:examId/report.${format}`, signedIn(deps, 'instructor', 'admin'), async (ctx) => {
      const caller = callerOf(ctx.state);
      const exam = await examFor(pool, caller, ctx.params.examId!);
      const report = await examReport(pool, exam.id);
      await audit(pool, {
        actorId: caller.userId,
        action: 'exam.report',
        entityType: 'exam',
        entityId: exam.id,
        after: { format },
      });
      ctx.set('Cache-Control', 'private, no-store');
      ctx.attachment(`exam-report-${exam.id}.${format}`);
      if (format === 'csv') {
        ctx.type = 'text/csv; charset=utf-8';
        ctx.body = reportCsv(report);
      } else {
        ctx.type = 'application/pdf';
        const document = reportPdf(report);
        ctx.body = document;
        document.end();
      }
    });
}

/**
 * Ends and revokes the running sessions of the exam, but those of `keep` (candidates who stay
 * on it): their tokens are neither refreshed nor taken any more.
 */
async function revokeRunningSessions(deps: ApiDeps, examId: string, keep: readonly string[]): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `UPDATE sessions SET status = 'ended', ended_at = now()
     WHERE exam_id = $1 AND status = 'active' AND NOT (candidate_id = ANY($2)) RETURNING id`,
    [examId, keep],
  );
  await publishSessionStatus(
    deps,
    rows.map(({ id }) => id),
    'REVOKED',
  );
}
