import type pg from 'pg';
import type { Caller } from '../auth/tokens.ts';
import { forbidden, notFound } from '../http.ts';

export interface ExamRow {
  readonly id: string;
  /** The caller instructs it: created it, or an admin assigned them. */
  readonly instructs: boolean;
}

/** SQL condition: user `user` (a parameter) instructs exam `exam` (an alias): created it or is assigned to it. */
export function instructsExam(exam: string, user: string): string {
  return `(${exam}.created_by = ${user} OR EXISTS (SELECT 1 FROM exam_members i
    WHERE i.exam_id = ${exam}.id AND i.user_id = ${user} AND i.member_role = 'instructor'))`;
}

/**
 * SQL condition (on `exams e`) for the exams a caller may see: all for an admin, those they instruct
 * for an instructor, those they are a member of (proctor or candidate) otherwise. `$1` is the user id.
 */
export function visibleExams(caller: Caller): string {
  // Every role's condition uses $1, so that every query has the same parameters.
  if (caller.role === 'admin') return '$1::text IS NOT NULL';
  if (caller.role === 'instructor') return instructsExam('e', '$1');
  const memberRole = caller.role === 'proctor' ? 'proctor' : 'candidate';
  return `EXISTS (SELECT 1 FROM exam_members m WHERE m.exam_id = e.id AND m.user_id = $1 AND m.member_role = '${memberRole}')`;
}

/** The exam, if the caller may see it: 404 when there is none, 403 when it is someone else's. */
export async function examFor(pool: pg.Pool, caller: Caller, examId: string): Promise<ExamRow> {
  const { rows } = await pool.query<ExamRow & { visible: boolean }>(
    `SELECT e.id, ${instructsExam('e', '$1')} AS instructs, ${visibleExams(caller)} AS visible
     FROM exams e WHERE e.id = $2 AND e.deleted_at IS NULL`,
    [caller.userId, examId],
  );
  if (!rows[0]) throw notFound('exam');
  if (!rows[0].visible) throw forbidden('not one of your exams');
  return rows[0];
}

/** The exam, if the caller may change it: one of its instructors or an admin. */
export async function examToManage(pool: pg.Pool, caller: Caller, examId: string): Promise<ExamRow> {
  const exam = await examFor(pool, caller, examId);
  if (caller.role !== 'admin' && !(caller.role === 'instructor' && exam.instructs))
    throw forbidden("only the exam's instructor or an admin may change it");
  return exam;
}
