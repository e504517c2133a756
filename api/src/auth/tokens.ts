import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type pg from 'pg';
import { unauthorized } from '../http.ts';

export type Role = 'admin' | 'instructor' | 'proctor' | 'student';
export const roles: readonly Role[] = ['admin', 'instructor', 'proctor', 'student'];

/** Who is calling, from a verified access token. */
export interface Caller {
  readonly userId: string;
  readonly role: Role;
  /** The sign-in (refresh token family) the access token was issued to: logout revokes it. */
  readonly signInId: string;
}

/** Access tokens are for the API only; ingest tokens carry another audience. */
const audience = 'proctoflex-api';
const issuer = 'proctoflex';

export class AccessTokens {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret));
  }

  mint(caller: Caller): { accessToken: string; expiresIn: number } {
    const accessToken = jwt.sign({ role: caller.role, sid: caller.signInId }, this.key, {
      algorithm: 'HS256',
      subject: caller.userId,
      audience,
      issuer,
      expiresIn: this.ttlSeconds,
    });
    return { accessToken, expiresIn: this.ttlSeconds };
  }

  /** The caller of a valid token; expired, forged, unsigned (`alg: none`) or foreign tokens are refused. */
  verify(token: string): Caller {
    let payload: jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ['HS256'], audience, issuer }) as jwt.JwtPayload;
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw unauthorized('the access token expired: refresh it');
      throw unauthorized(`the access token is not valid: ${(error as Error).message}`);
    }
    const { sub, role, sid } = payload as { sub?: unknown; role?: unknown; sid?: unknown };
    if (typeof sub !== 'string' || typeof sid !== 'string' || !roles.includes(role as Role))
      throw unauthorized('the access token lacks its user or sign-in');
    return { userId: sub, role: role as Role, signInId: sid };
  }
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Opaque refresh tokens, stored hashed, one family per sign-in. Each is used once: refreshing
 * returns the next of its family, and a used one presented again revokes the family (someone
 * else holds a copy).
 */
export class RefreshTokens {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ttlSeconds: number,
  ) {}

  /** A new sign-in: its first refresh token and its id (the family). */
  async start(userId: string): Promise<{ refreshToken: string; signInId: string }> {
    const signInId = randomUUID();
    return { refreshToken: await this.issue(userId, signInId), signInId };
  }

  /** The user it belongs to, its sign-in and the next token of its family. */
  async rotate(token: string): Promise<{ userId: string; refreshToken: string; signInId: string }> {
    const { rows } = await this.pool.query<{
      user_id: string;
      family_id: string;
      used: boolean;
      revoked: boolean;
      expired: boolean;
    }>(
      // The row is locked first: of two refreshes racing with one token, the second sees it used.
      `WITH old AS (SELECT used_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE)
       UPDATE refresh_tokens SET used_at = coalesce(refresh_tokens.used_at, now()) FROM old
       WHERE token_hash = $1
       RETURNING user_id, family_id, old.used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked,
                 expires_at < now() AS expired`,
      [hashOf(token)],
    );
    const found = rows[0];
    if (!found) throw unauthorized('unknown refresh token: sign in again');
    if (found.used && !found.revoked) {
      await this.revokeFamily(found.family_id);
      throw unauthorized('refresh token used twice: every session of this sign-in is revoked, sign in again');
    }
    if (found.revoked || found.used) throw unauthorized('revoked refresh token: sign in again');
    if (found.expired) throw unauthorized('expired refresh token: sign in again');
    return {
      userId: found.user_id,
      refreshToken: await this.issue(found.user_id, found.family_id),
      signInId: found.family_id,
    };
  }

  /** Ends the sign-in the token belongs to (logout). */
  async revoke(token: string): Promise<void> {
    const { rows } = await this.pool.query<{ family_id: string }>(
      'SELECT family_id FROM refresh_tokens WHERE token_hash = $1',
      [hashOf(token)],
    );
    if (rows[0]) await this.revokeFamily(rows[0].family_id);
  }

  async revokeUser(userId: string): Promise<void> {
    await this.pool.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [
      userId,
    ]);
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.pool.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [
      familyId,
    ]);
  }

  private async issue(userId: string, familyId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(
      `INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [hashOf(token), userId, familyId, this.ttlSeconds],
    );
    return token;
  }
}
