import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { audit } from '../audit.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { ApiDeps, Row } from '../context.ts';
import { conflict } from '../http.ts';
import { inTransaction } from '../transaction.ts';

/** Rows one import takes: each password is hashed (scrypt, about 50 ms on one of 4 threads), about 12 s estimated. */
export const maxImportRows = 1000;

const columns = ['email', 'name', 'password'] as const;

const candidateRow = z.object({
  email: z.email('not an email address').max(320),
  name: z.string().trim().min(1, 'no name').max(200, 'a name of more than 200 characters'),
  password: z
    .string()
    .min(12, 'a password of fewer than 12 characters')
    .max(1024)
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

/** A line of the file and what is wrong with it (line 1 is the header). */
export interface RowProblem {
  readonly line: number;
  readonly message: string;
}

export type ImportResult =
  | { readonly problems: RowProblem[] }
  | { readonly created: { id: string; email: string; displayName: string; password?: string }[] };

/**
 * Candidates (students) from a CSV with a header row `email,name[,password]`: every row checked
 * first (format, duplicates in the file, emails already taken), and either all are created, and
 * enrolled in `examId` when given, in one transaction, or none and each bad row is named by its
 * line. A row without a password gets a generated one, returned once to hand to the candidate.
 */
export async function importCandidates(
  deps: ApiDeps,
  csv: string,
  examId: string | null,
  actorId: string,
): Promise<ImportResult> {
  let header: string[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(csv, {
      columns: (names: string[]) => (header = names.map((name) => name.trim().toLowerCase())),
      info: true,
      skip_empty_lines: true,
      // A spreadsheet may leave out a row's empty last field.
      relax_column_count_less: true,
      trim: true,
      bom: true,
      to_line: maxImportRows + 2,
    });
  } catch (error) {
    return { problems: [{ line: (error as { lines?: number }).lines ?? 1, message: (error as Error).message }] };
  }
  const unknown = header.filter((name) => !(columns as readonly string[]).includes(name));
  if (unknown.length > 0 || !header.includes('email') || !header.includes('name'))
    return { problems: [{ line: 1, message: `the header must be email,name[,password] (found ${header.join(',')})` }] };
  if (records.length === 0) return { problems: [{ line: 2, message: 'no candidates under the header' }] };
  if (records.length > maxImportRows)
    return { problems: [{ line: maxImportRows + 2, message: `more than ${maxImportRows} rows: split the file` }] };

  const problems: RowProblem[] = [];
  const rows: (z.infer<typeof candidateRow> & { line: number })[] = [];
  const lineOfEmail = new Map<string, number>();
  for (const { record, info } of records) {
    const parsed = candidateRow.safeParse(record);
    if (!parsed.success) {
      problems.push({ line: info.lines, message: parsed.error.issues.map(({ message }) => message).join('; ') });
      continue;
    }
    const email = parsed.data.email.toLowerCase();
    const first = lineOfEmail.get(email);
    if (first !== undefined) problems.push({ line: info.lines, message: `${email} is on line ${first} already` });
    else lineOfEmail.set(email, info.lines);
    rows.push({ ...parsed.data, email, line: info.lines });
  }
  const { rows: taken } = await deps.pool.query<{ email: string }>('SELECT email FROM users WHERE email = ANY($1)', [
    [...lineOfEmail.keys()],
  ]);
  for (const { email } of taken)
    problems.push({ line: lineOfEmail.get(email)!, message: `a user with the email ${email} exists` });
  if (problems.length > 0) return { problems: problems.sort((a, b) => a.line - b.line) };

  const accounts = await Promise.all(
    rows.map(async ({ email, name, password }) => {
      const initial = password ?? randomBytes(12).toString('base64url');
      return {
        id: randomUUID(),
        email,
        displayName: name,
        hash: await hashPassword(initial),
        ...(password === undefined && { password: initial }),
      };
    }),
  );
  try {
    await inTransaction(deps.pool, async (client) => {
      const { rows: created } = await client.query<Row>(
        `INSERT INTO users (id, email, display_name, role, password_hash)
         SELECT id, email, display_name, 'student', hash FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           AS account(id, email, display_name, hash)
         RETURNING id, email, display_name AS "displayName", role, disabled, created_at AS "createdAt"`,
        [
          accounts.map(({ id }) => id),
          accounts.map(({ email }) => email),
          accounts.map(({ displayName }) => displayName),
          accounts.map(({ hash }) => hash),
        ],
      );
      await audit(
        client,
        created.map((user) => ({
          actorId,
          action: 'user.create',
          entityType: 'user',
          entityId: String(user.id),
          after: user,
        })),
      );
      if (examId !== null) {
        await client.query(
          `INSERT INTO exam_members (exam_id, user_id, member_role) SELECT $1, id, 'candidate' FROM unnest($2::text[]) AS id`,
          [examId, accounts.map(({ id }) => id)],
        );
        await audit(client, {
          actorId,
          action: 'exam.members.import',
          entityType: 'exam',
          entityId: examId,
          after: { candidates: accounts.map(({ id }) => id) },
        });
      }
    });
  } catch (error) {
    // Another request took one of the emails since the check: nothing of this import was kept.
    if ((error as { code?: string }).code === '23505')
      throw conflict('a user with one of these emails was created meanwhile');
    throw error;
  }
  return {
    created: accounts.map(({ id, email, displayName, password }) => ({
      id,
      email,
      displayName,
      ...(password !== undefined && { password }),
    })),
  };
}
