import type { Middleware } from 'koa';
import type { ApiDeps, ApiState } from '../context.ts';
import { forbidden, unauthorized } from '../http.ts';
import type { Caller, Role } from './tokens.ts';

/** Requires a valid access token (`Authorization: Bearer`) and, when given, one of `allowed` roles. */
export function signedIn(deps: ApiDeps, ...allowed: Role[]): Middleware<ApiState> {
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!match) throw unauthorized('send an access token as "Authorization: Bearer <token>"');
    const caller = await currentCaller(deps, deps.accessTokens.verify(match[1]!), allowed);
    ctx.state.caller = caller;
    await next();
  };
}

/**
 * The caller as the account and the sign-in are now: disabling a user, changing a role, logging
 * out or revoking the sign-in takes effect at once, not when the access token expires. Long
 * requests (live streams) call it again while they last.
 */
export async function currentCaller(deps: ApiDeps, token: Caller, allowed: readonly Role[] = []): Promise<Caller> {
  const { rows } = await deps.pool.query<{ role: Role; disabled: boolean; signedOut: boolean }>(
    `SELECT role, disabled,
       EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $2 AND revoked_at IS NOT NULL) AS "signedOut"
     FROM users WHERE id = $1`,
    [token.userId, token.signInId],
  );
  if (!rows[0] || rows[0].disabled) throw unauthorized('this account is disabled');
  if (rows[0].signedOut) throw unauthorized('this sign-in was ended (logout or revoked): sign in again');
  const caller: Caller = { userId: token.userId, role: rows[0].role, signInId: token.signInId };
  if (allowed.length > 0 && !allowed.includes(caller.role)) throw forbidden(`not allowed for the ${caller.role} role`);
  return caller;
}

/** The caller of a route behind `signedIn`. */
export function callerOf(state: ApiState): Caller {
  if (!state.caller) throw unauthorized('not signed in');
  return state.caller;
}
