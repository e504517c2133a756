import type { Middleware } from 'koa';
import { z } from 'zod';
import type { ApiDeps, ApiRouter, ApiState, Row } from '../context.ts';
import { HttpError, parse, unauthorized } from '../http.ts';
import { callerOf, signedIn } from './guard.ts';
import { unknownUserHash, verifyPassword } from './passwords.ts';
import type { Role } from './tokens.ts';

const credentials = z.object({ email: z.email().max(320), password: z.string().min(1).max(1024) });
const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) });

/** At most `perMinute` requests per client address per minute (fixed one-minute windows). */
function rateLimited(perMinute: number): Middleware<ApiState> {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return async (ctx, next) => {
    const now = Date.now();
    const window = windows.get(ctx.ip);
    if (!window || now - window.startedAt >= 60_000) {
      if (windows.size > 100_000) windows.clear();
      windows.set(ctx.ip, { startedAt: now, count: 1 });
    } else if (++window.count > perMinute) {
      const retryAfter = Math.ceil((window.startedAt + 60_000 - now) / 1000);
      throw new HttpError(429, 'too many sign-in requests from this address', { 'Retry-After': String(retryAfter) });
    }
    await next();
  };
}

export function registerAuthRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { pool, accessTokens, refreshTokens, config } = deps;
  const limit = rateLimited(config.API_AUTH_RATE_PER_MINUTE);
  const tokensFor = (
    userId: string,
    role: Role,
    { refreshToken, signInId }: { refreshToken: string; signInId: string },
  ) => ({
    ...accessTokens.mint({ userId, role, signInId }),
    refreshToken,
    role,
  });

  router.post('/auth/login', limit, async (ctx) => {
    const { email, password } = parse(credentials, ctx.request.body);
    // The attempt counts as a failure before the password is checked, in the statement that
    // finds the account: parallel attempts queue on the row, so no more than
    // API_LOGIN_MAX_FAILURES are checked before the lock holds. A locked account finds no row.
    const { rows } = await pool.query<{ id: string; role: Role; password_hash: string; disabled: boolean }>(
      `UPDATE users SET failed_logins = failed_logins + 1,
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3) END
       WHERE email = lower($1) AND (locked_until IS NULL OR locked_until <= now())
       RETURNING id, role, password_hash, disabled`,
      [email, config.API_LOGIN_MAX_FAILURES, config.API_LOGIN_LOCKOUT_S],
    );
    const user = rows[0];
    // Unknown, locked and wrong all take one hash check and get one answer: none tells which accounts exist.
    const matches = await verifyPassword(password, user?.password_hash ?? unknownUserHash);
    if (!user || !matches || user.disabled) {
      throw unauthorized('wrong email or password, or too many failed sign-ins: the account is locked for a while');
    }
    await pool.query<Row>('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1', [user.id]);
    ctx.body = tokensFor(user.id, user.role, await refreshTokens.start(user.id));
  });

  router.post('/auth/refresh', limit, async (ctx) => {
    const { refreshToken } = parse(refreshBody, ctx.request.body);
    const rotated = await refreshTokens.rotate(refreshToken);
    const { rows } = await pool.query<{ role: Role; disabled: boolean }>(
      'SELECT role, disabled FROM users WHERE id = $1',
      [rotated.userId],
    );
    if (!rows[0] || rows[0].disabled) throw unauthorized('this account is disabled');
    ctx.body = tokensFor(rotated.userId, rows[0].role, rotated);
  });

  router.post('/auth/logout', async (ctx) => {
    await refreshTokens.revoke(parse(refreshBody, ctx.request.body).refreshToken);
    ctx.status = 204;
  });

  router.get('/me', signedIn(deps), async (ctx) => {
    const { rows } = await pool.query<Row>(
      'SELECT id, email, display_name AS "displayName", role FROM users WHERE id = $1',
      [callerOf(ctx.state).userId],
    );
    ctx.body = rows[0];
  });
}
