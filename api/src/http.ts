import type { z } from 'zod';
import { ProctoFlexError } from '@proctoflex/core';

/** An error answered as `{ error }` with its status; anything else is a 500 that names no detail. */
export class HttpError extends ProctoFlexError {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string) =>
  new HttpError(401, message, { 'WWW-Authenticate': 'Bearer realm="proctoflex"' });
export const forbidden = (message = 'not allowed for your role or exams') => new HttpError(403, message);
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (message: string) => new HttpError(409, message);

/** `value` parsed by `schema`, or a 400 naming each field that is wrong. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, where = 'body'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw badRequest(problems.join('; '));
}

/**
 * The client's fault hidden in a lower layer's error, as a 4xx: a value PostgreSQL refuses
 * (class 22, data exception: a NUL byte, a date out of range). Null for anything else, which
 * stays a 500.
 */
export function clientErrorOf(error: unknown): HttpError | null {
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (error instanceof HttpError) return error.status < 500 ? error : null;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new HttpError(status, (error as Error).message);
  if (typeof code !== 'string') return null;
  // pg's DatabaseError: SQLSTATE in `code`, class 22 = data exception.
  if (/^22[0-9A-Z]{3}$/.test(code) && (error as { severity?: unknown }).severity !== undefined) {
    return badRequest(`a value the database cannot take: ${(error as Error).message}`);
  }
  return null;
}
