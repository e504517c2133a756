import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { secretVariable } from '../config.ts';
import { IngestRefusal } from './ingest-refusal.ts';

// Ingest tokens: the API mints one per session it starts, the gateway checks it on every connection.

/** The secret both share. */
export const tokenSecretSpec = {
  INGEST_TOKEN_SECRET: secretVariable(
    z.string().min(32, 'must be at least 32 characters (it signs HS256 tokens)'),
    'Secret that signs and checks ingest tokens (HS256). Required; the API issues tokens with the same secret.',
  ),
};

/** Who may send: one session of one candidate in one exam. */
export interface IngestClaims {
  readonly sessionId: string;
  readonly examId: string;
  readonly candidateId: string;
}

/** Only the gateway accepts these tokens; API access tokens carry another audience. */
const audience = 'proctoflex-ingest';
const issuer = 'proctoflex';

/**
 * The secret as a key object, made once: given a string, jsonwebtoken first tries (and fails)
 * to read it as a public key on every call.
 */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret))));
  return key;
}

export function mintIngestToken(secret: string, claims: IngestClaims, ttlSeconds: number): string {
  return jwt.sign({ sid: claims.sessionId, exam: claims.examId }, keyOf(secret), {
    algorithm: 'HS256',
    subject: claims.candidateId,
    audience,
    issuer,
    expiresIn: ttlSeconds,
  });
}

/** The token's claims; expired, forged, unsigned (`alg: none`) or foreign tokens are refused. */
export function verifyIngestToken(secret: string, token: string | undefined): IngestClaims {
  if (!token) throw new IngestRefusal('token_missing', 'send the ingest token as "Authorization: Bearer <token>"');
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(token, keyOf(secret), { algorithms: ['HS256'], audience, issuer }) as jwt.JwtPayload;
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) {
      throw new IngestRefusal('token_expired', `the ingest token expired at ${error.expiredAt.toISOString()}`);
    }
    throw new IngestRefusal('token_invalid', `the ingest token is not valid: ${(error as Error).message}`);
  }
  const { sid, exam, sub } = payload as { sid?: unknown; exam?: unknown; sub?: unknown };
  if (typeof sid !== 'string' || typeof exam !== 'string' || typeof sub !== 'string') {
    throw new IngestRefusal('token_invalid', 'the ingest token lacks its session, exam or candidate');
  }
  return { sessionId: sid, examId: exam, candidateId: sub };
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}
