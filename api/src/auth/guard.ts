import type { Middleware } from 'koa';
import type { ApiDeps, ApiState } from '../context.ts';
import { forbidden, unauthorized } from '../http.ts';
import type { Caller, Role } from './tokens.ts';

/** Requires a valid access token (`Authorization: Bearer`) and, when given, one of `allowed` roles. */
export function signedIn(deps: ApiDeps, ...allowed: Role[]): Middleware<ApiState> {
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!match) throw unauthorized('send an access token as "Authorization: Bearer <token>"');
    const { userId } = deps.accessTokens.verify(match[1]!);
    // The account as it is now: a disabled user or a changed role takes effect at once.
    const { rows } = await deps.pool.query<{ role: Role; disabled: boolean }>(
      'SELECT role, disabled FROM users WHERE id = $1',
      [userId],
    );
    if (!rows[0] || rows[0].disabled) throw unauthorized('this account is disabled');
    const caller: Caller = { userId, role: rows[0].role };
    if (allowed.length > 0 && !allowed.includes(caller.role))
      throw forbidden(`not allowed for the ${caller.role} role`);
    ctx.state.caller = caller;
    await next();
  };
}

/** The caller of a route behind `signedIn`. */
export function callerOf(state: ApiState): Caller {
  if (!state.caller) throw unauthorized('not signed in');
  return state.caller;
}
