import { frameSizeProblem, jpegDimensions, type EvidenceStore } from '@proctoflex/core';
import { z } from 'zod';
import { audit } from '../audit.ts';
import type { Caller } from '../auth/tokens.ts';
import { callerOf, signedIn } from '../auth/guard.ts';
import { instructsExam } from '../exams/access.ts';
import type { ApiDeps, ApiRouter } from '../context.ts';
import { badRequest, forbidden, notFound, parse } from '../http.ts';

/** A photo as JSON: base64 of a JPEG of at most 700 KiB (the API's bodies are JSON of at most 1 MiB). */
export const photoUpload = z.object({ jpeg: z.base64().max(Math.ceil((700 * 1024) / 3) * 4) });
const largestSide = 4096;

/** The JPEG of a photo upload with its declared size, once that is a size a camera gives; 400 otherwise. */
export function uploadedJpeg(body: unknown): { jpeg: Buffer; width: number; height: number } {
  const jpeg = Buffer.from(parse(photoUpload, body).jpeg, 'base64');
  const size = jpegDimensions(jpeg);
  if (!size) throw badRequest('jpeg: not a JPEG image');
  const tooSmall = frameSizeProblem(size.width, size.height);
  if (tooSmall) throw badRequest(`jpeg: ${tooSmall}`);
  if (Math.max(size.width, size.height) > largestSide)
    throw badRequest(`jpeg: ${size.width}x${size.height} is larger than ${largestSide} pixels a side`);
  return { jpeg, ...size };
}

const storageKeyOf = (userId: string) => `references/${userId}.jpg`;

/**
 * Whether `caller` may handle the reference photo of candidate `userId`: an admin always; an
 * instructor or a proctor only of an exam the candidate sits.
 */
async function mayHandle(deps: ApiDeps, caller: Caller, userId: string): Promise<boolean> {
  if (caller.role === 'admin') return true;
  if (caller.role !== 'instructor' && caller.role !== 'proctor') return false;
  const { rows } = await deps.pool.query<{ allowed: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM exam_members c JOIN exams e ON e.id = c.exam_id
       WHERE c.user_id = $1 AND c.member_role = 'candidate' AND e.deleted_at IS NULL
         AND (${instructsExam('e', '$2')} OR EXISTS (
           SELECT 1 FROM exam_members p WHERE p.exam_id = e.id AND p.user_id = $2 AND p.member_role = 'proctor'))
     ) AS allowed`,
    [userId, caller.userId],
  );
  return rows[0]!.allowed;
}

/** The candidate's reference photo on record, opened from the sealed store, or null. */
export async function referencePhotoOf(deps: ApiDeps, userId: string): Promise<Buffer | null> {
  const { rows } = await deps.pool.query<{ storage_key: string }>(
    'SELECT storage_key FROM reference_photos WHERE user_id = $1',
    [userId],
  );
  return rows[0] ? deps.evidence.get(rows[0].storage_key) : null;
}

/** Deletes a candidate's reference photo, file and row (an erasure). */
export async function deleteReferencePhoto(
  database: { query(sql: string, params: unknown[]): Promise<unknown> },
  store: EvidenceStore,
  userId: string,
): Promise<void> {
  await store.delete(storageKeyOf(userId));
  await database.query('DELETE FROM reference_photos WHERE user_id = $1', [userId]);
}

/**
 * A candidate's reference photo on record, against which their identity is checked before an
 * exam: uploaded (replacing any earlier one) by an admin or an instructor of one of their exams,
 * seen by those and the exam's proctors; kept encrypted in the evidence store.
 */
export function registerReferencePhotoRoutes(router: ApiRouter, deps: ApiDeps): void {
  const candidateFor = async (caller: Caller, userId: string) => {
    const { rows } = await deps.pool.query("SELECT 1 FROM users WHERE id = $1 AND role = 'student'", [userId]);
    if (!rows[0]) throw notFound('candidate');
    if (!(await mayHandle(deps, caller, userId))) throw forbidden('not a candidate of your exams');
  };

  router.put('/users/:userId/reference-photo', signedIn(deps, 'admin', 'instructor'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const userId = ctx.params.userId!;
    await candidateFor(caller, userId);
    const { jpeg, width, height } = uploadedJpeg(ctx.request.body);
    await deps.identity.requireOneFace(jpeg);
    const storageKey = storageKeyOf(userId);
    await deps.evidence.put(storageKey, jpeg);
    const row = { byteSize: jpeg.length, width, height };
    await deps.pool.query(
      `INSERT INTO reference_photos (user_id, storage_key, byte_size, width, height, uploaded_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id) DO UPDATE SET storage_key = EXCLUDED.storage_key, byte_size = EXCLUDED.byte_size,
         width = EXCLUDED.width, height = EXCLUDED.height, uploaded_by = EXCLUDED.uploaded_by, uploaded_at = now()`,
      [userId, storageKey, row.byteSize, row.width, row.height, caller.userId],
    );
    await audit(deps.pool, {
      actorId: caller.userId,
      action: 'user.reference_photo',
      entityType: 'user',
      entityId: userId,
      after: row,
    });
    ctx.body = row;
  });

  router.get('/users/:userId/reference-photo', signedIn(deps, 'admin', 'instructor', 'proctor'), async (ctx) => {
    const userId = ctx.params.userId!;
    await candidateFor(callerOf(ctx.state), userId);
    const photo = await referencePhotoOf(deps, userId);
    if (!photo) throw notFound('reference photo');
    ctx.set('Cache-Control', 'private, no-store');
    ctx.type = 'image/jpeg';
    ctx.body = photo;
  });
}
