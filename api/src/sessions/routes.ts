import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { identityWaiting, type ExamPolicy, mintIngestToken, waitsForIdentity } from '@proctoflex/core';
import { audit } from '../audit.ts';
import { callerOf, signedIn } from '../auth/guard.ts';
import type { Caller } from '../auth/tokens.ts';
import type { ApiDeps, ApiRouter, Row } from '../context.ts';
import { publishSessionStatus } from './status.ts';
import { examFor } from '../exams/access.ts';
import { queryWithParams } from '../analytics/clickhouse.ts';
import { conflict, forbidden, notFound, parse } from '../http.ts';
import { inTransaction } from '../transaction.ts';
import { captureSettings } from './capture.ts';
import { recordingNotice } from './notice.ts';
import { referencePhotoOf, uploadedJpeg } from '../users/reference-photo.ts';

const sessionColumns = `s.id, s.exam_id AS "examId", s.candidate_id AS "candidateId", u.display_name AS "candidateName",
  s.status, s.paused_at AS "pausedAt", s.started_at AS "startedAt", s.ended_at AS "endedAt", s.client_version AS "clientVersion",
  s.verification, s.verification_similarity AS "verificationSimilarity",
  (SELECT count(*)::int FROM alerts a WHERE a.session_id = s.id AND a.state = 'open') AS "openAlerts",
  EXISTS (SELECT 1 FROM alerts a WHERE a.session_id = s.id AND a.state = 'open' AND a.rule = 'client_disconnected')
    AS "disconnected"`;

/** A session's risk series, per minute and detector its strongest signal, and its events, from ClickHouse. */
const timelineQueries = {
  risk: `
    SELECT toUInt64(capture_time) * 1000 + capture_ms AS time, risk_score AS risk, level
    FROM risk_updates FINAL
    WHERE exam_id IN (SELECT exam_id FROM params) AND session_id IN (SELECT session_id FROM params)
    ORDER BY capture_time, capture_ms, computed_time, computed_ms`,
  signals: `
    SELECT toUInt64(toStartOfMinute(capture_time)) * 1000 AS minute, detector, max(score) AS maxScore,
      argMax(signal, score) AS signal, countIf(score >= 0.5) AS present, count() AS scored
    FROM signals FINAL
    WHERE exam_id IN (SELECT exam_id FROM params) AND session_id IN (SELECT session_id FROM params)
    GROUP BY minute, detector
    ORDER BY minute, detector`,
  // What the candidate and their client did (heartbeats left out); bounded, whatever a client sent.
  events: `
    SELECT toUInt64(capture_time) * 1000 + capture_ms AS time, type, detail
    FROM session_events FINAL
    WHERE exam_id IN (SELECT exam_id FROM params) AND session_id IN (SELECT session_id FROM params)
      AND type != 'HEARTBEAT'
    ORDER BY capture_time, capture_ms, seq
    LIMIT 1000`,
};

/** The most screen pictures a timeline lists: a 7-hour exam at the STRICT level (one every 5 s). */
const timelineScreenPictures = 5000;

/** A screen picture's seq in a path: the record's per-session sequence number. */
const screenSeq = z
  .string()
  .regex(/^\d{1,15}$/)
  .transform(Number);

/** A session starts only with the candidate's agreement to the exam's recording notice in force. */
const sessionStart = z.object({ noticeVersion: z.string().min(1).max(64) });

const verificationDecision = z.object({
  decision: z.enum(['approve', 'refuse']),
  comment: z.string().trim().max(1000).optional(),
});

/** The session, if `caller` may see it: through its exam, and a student only their own. */
export async function visibleSession(pool: pg.Pool, caller: Caller, sessionId: string) {
  const { rows } = await pool.query<Row>(
    `SELECT ${sessionColumns} FROM sessions s JOIN users u ON u.id = s.candidate_id WHERE s.id = $1`,
    [sessionId],
  );
  const session = rows[0] as
    { id: string; examId: string; candidateId: string; status: string; verification: string | null } | undefined;
  if (!session) throw notFound('session');
  await examFor(pool, caller, session.examId);
  if (caller.role === 'student' && session.candidateId !== caller.userId) throw forbidden('not your session');
  return session;
}

export function registerSessionRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { pool, config } = deps;
  /** What the exam records and keeps (its notice's inputs), and whether it takes sessions now. */
  const recordingOf = async (examId: string) => {
    const { rows } = await pool.query<{
      surveillanceLevel: ExamPolicy['surveillanceLevel'];
      retentionDays: number;
      open: boolean;
    }>(
      `SELECT policy->>'surveillanceLevel' AS "surveillanceLevel", retention_days AS "retentionDays",
         now() BETWEEN starts_at AND ends_at AS open
       FROM exams WHERE id = $1`,
      [examId],
    );
    return rows[0]!;
  };

  /**
   * What the desktop needs to send a session's records: where, with which token, at which rates;
   * no token while the session waits for its candidate's identity to be confirmed.
   */
  const ingestGrant = (
    sessionId: string,
    examId: string,
    candidateId: string,
    verification: string | null,
    level: ExamPolicy['surveillanceLevel'],
  ) => ({
    sessionId,
    examId,
    candidateId,
    capture: captureSettings(level),
    ingestUrl: config.API_INGEST_URL,
    ingestToken: waitsForIdentity(verification)
      ? null
      : mintIngestToken(config.INGEST_TOKEN_SECRET, { sessionId, examId, candidateId }, config.API_INGEST_TOKEN_TTL_S),
    ingestTokenExpiresIn: config.API_INGEST_TOKEN_TTL_S,
    verification,
  });

  const sessionFor = (state: Parameters<typeof callerOf>[0], sessionId: string) =>
    visibleSession(pool, callerOf(state), sessionId);

  router.get('/exams/:examId/notice', signedIn(deps), async (ctx) => {
    const exam = await examFor(pool, callerOf(ctx.state), ctx.params.examId!);
    ctx.body = recordingNotice(await recordingOf(exam.id));
  });

  router.post('/exams/:examId/sessions', signedIn(deps, 'student'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const exam = await examFor(pool, caller, ctx.params.examId!);
    const { noticeVersion } = parse(sessionStart, ctx.request.body);
    const recording = await recordingOf(exam.id);
    if (!recording.open) throw conflict('the exam is not open for sessions now');
    const notice = recordingNotice(recording);
    if (noticeVersion !== notice.version)
      throw conflict('the recording notice has changed: read it again (GET /api/exams/{examId}/notice) and agree');
    const sessionId = randomUUID();
    // With a reference photo on record the session waits for the selfie's check: no token yet.
    const { rows: reference } = await pool.query('SELECT 1 FROM reference_photos WHERE user_id = $1', [caller.userId]);
    const verification = reference[0] ? 'required' : null;
    await inTransaction(pool, async (client) => {
      const { rowCount } = await client.query<Row>(
        `INSERT INTO sessions (id, exam_id, candidate_id, status, verification)
         SELECT $1, $2, $3, 'active', $4
         WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE exam_id = $2 AND candidate_id = $3 AND status = 'active')`,
        [sessionId, exam.id, caller.userId, verification],
      );
      if (rowCount === 0) throw conflict('you have an active session in this exam: end it or refresh its token');
      // The agreement, with its time (the entry's), kept with the session: no capture without it.
      await audit(client, {
        actorId: caller.userId,
        action: 'session.consent',
        entityType: 'session',
        entityId: sessionId,
        after: { examId: exam.id, notice },
      });
    });
    ctx.status = 201;
    ctx.body = ingestGrant(sessionId, exam.id, caller.userId, verification, recording.surveillanceLevel);
  });

  router.post('/sessions/:sessionId/token', signedIn(deps, 'student'), async (ctx) => {
    const session = await sessionFor(ctx.state, ctx.params.sessionId!);
    if (session.status !== 'active') throw conflict('the session has ended');
    const { surveillanceLevel } = await recordingOf(session.examId);
    ctx.body = ingestGrant(
      ctx.params.sessionId!,
      session.examId,
      session.candidateId,
      session.verification,
      surveillanceLevel,
    );
  });

  /**
   * The selfie taken at the start, compared with the candidate's reference photo: the same face
   * verifies the session (its ingest token is then given out); another, or a reference in which
   * no single face is found, leaves it pending until a proctor decides. A photo without exactly
   * one face is refused, to be taken again.
   */
  router.post('/sessions/:sessionId/verification', signedIn(deps, 'student'), async (ctx) => {
    const sessionId = ctx.params.sessionId!;
    const session = await sessionFor(ctx.state, sessionId);
    if (session.status !== 'active') throw conflict('the session has ended');
    if (!waitsForIdentity(session.verification))
      throw conflict(`there is nothing to verify: the session is ${session.verification ?? 'not checked'}`);
    const { jpeg: selfie } = uploadedJpeg(ctx.request.body);
    const reference = await referencePhotoOf(deps, session.candidateId);
    if (!reference) throw conflict('your reference photo is no longer on record: ask a proctor');
    const comparison = await deps.identity.compare(reference, selfie);
    const verification = comparison.sameFace ? 'verified' : 'pending';
    const key = `verifications/${sessionId}.jpg`;
    await deps.evidence.put(key, selfie);
    await pool.query(
      `UPDATE sessions SET verification = $2, verification_similarity = $3, verification_key = $4 WHERE id = $1`,
      [sessionId, verification, comparison.similarity, key],
    );
    await audit(pool, {
      actorId: callerOf(ctx.state).userId,
      action: 'session.verification',
      entityType: 'session',
      entityId: sessionId,
      after: { verification, ...comparison },
    });
    ctx.body = { verification, similarity: comparison.similarity, threshold: comparison.threshold };
  });

  /** A proctor's decision on a session waiting for its identity: approved, it starts; refused, it ends. */
  router.post(
    '/sessions/:sessionId/verification/decision',
    signedIn(deps, 'proctor', 'instructor', 'admin'),
    async (ctx) => {
      const sessionId = ctx.params.sessionId!;
      await sessionFor(ctx.state, sessionId);
      const { decision, comment } = parse(verificationDecision, ctx.request.body);
      const verification = decision === 'approve' ? 'approved' : 'refused';
      const { rows } = await pool.query<{ endedAt: Date | null }>(
        `UPDATE sessions SET verification = $2, verified_by = $3, verified_at = now(),
           status = CASE WHEN $2 = 'refused' THEN 'ended' ELSE status END,
           ended_at = CASE WHEN $2 = 'refused' THEN now() ELSE ended_at END
         WHERE id = $1 AND status = 'active' AND verification = ANY($4)
         RETURNING ended_at AS "endedAt"`,
        [sessionId, verification, callerOf(ctx.state).userId, identityWaiting],
      );
      if (!rows[0]) throw conflict('the session is not waiting for its identity to be confirmed');
      // A refused candidate's session takes nothing more.
      if (rows[0].endedAt) await publishSessionStatus(deps, [sessionId], 'REVOKED', rows[0].endedAt.getTime());
      await audit(pool, {
        actorId: callerOf(ctx.state).userId,
        action: 'session.verification_decision',
        entityType: 'session',
        entityId: sessionId,
        after: { verification },
        comment: comment ?? null,
      });
      ctx.body = { verification };
    },
  );

  router.get(
    '/sessions/:sessionId/verification/photo',
    signedIn(deps, 'proctor', 'instructor', 'admin'),
    async (ctx) => {
      await sessionFor(ctx.state, ctx.params.sessionId!);
      const { rows } = await pool.query<{ key: string | null }>(
        'SELECT verification_key AS key FROM sessions WHERE id = $1',
        [ctx.params.sessionId],
      );
      if (!rows[0]?.key) throw notFound('verification photo');
      ctx.set('Cache-Control', 'private, no-store');
      ctx.type = 'image/jpeg';
      ctx.body = await deps.evidence.get(rows[0].key);
    },
  );

  router.post('/sessions/:sessionId/end', signedIn(deps, 'student'), async (ctx) => {
    await sessionFor(ctx.state, ctx.params.sessionId!);
    const { rows: ended } = await pool.query<{ id: string; endedAt: Date }>(
      `UPDATE sessions SET status = 'ended', ended_at = now() WHERE id = $1 AND status = 'active'
       RETURNING id, ended_at AS "endedAt"`,
      [ctx.params.sessionId],
    );
    // From now on the gateway takes only what was captured before the end (a buffered upload).
    // Ending it again changes nothing, nor does ending a revoked one.
    if (ended[0]) await publishSessionStatus(deps, [ended[0].id], 'ENDED', ended[0].endedAt.getTime());
    const { rows } = await pool.query<Row>('SELECT id, status, ended_at AS "endedAt" FROM sessions WHERE id = $1', [
      ctx.params.sessionId,
    ]);
    ctx.body = rows[0];
  });

  router.get('/sessions/:sessionId', signedIn(deps), async (ctx) => {
    const session = await sessionFor(ctx.state, ctx.params.sessionId!);
    ctx.body = { ...session, risk: deps.live.riskOf(ctx.params.sessionId!) ?? null };
  });

  router.get('/sessions/:sessionId/timeline', signedIn(deps, 'proctor', 'instructor', 'admin'), async (ctx) => {
    const session = await sessionFor(ctx.state, ctx.params.sessionId!);
    const params = { exam_id: session.examId, session_id: ctx.params.sessionId! };
    const [risk, signals, events, { rows: alerts }, { rows: screens }] = await Promise.all([
      queryWithParams(config.CLICKHOUSE_URL, timelineQueries.risk, params),
      queryWithParams(config.CLICKHOUSE_URL, timelineQueries.signals, params),
      queryWithParams(config.CLICKHOUSE_URL, timelineQueries.events, params),
      pool.query<Row>(
        `SELECT id, rule, state, severity, description, started_at AS "startedAt", ended_at AS "endedAt",
           review_status AS "reviewStatus"
         FROM alerts WHERE session_id = $1 ORDER BY started_at`,
        [ctx.params.sessionId],
      ),
      pool.query<{ seq: string; time: Date; width: number; height: number }>(
        `SELECT seq, capture_time AS time, width, height FROM screen_pictures WHERE session_id = $1
         ORDER BY capture_time, seq LIMIT $2`,
        [ctx.params.sessionId, timelineScreenPictures],
      ),
    ]);
    // ClickHouse writes 64-bit integers as strings in JSON: times and counts become numbers here.
    ctx.body = {
      session: { ...session, risk: deps.live.riskOf(ctx.params.sessionId!) ?? null },
      risk: risk.map((row) => ({ time: Number(row.time), risk: Number(row.risk), level: row.level })),
      signals: signals.map((row) => ({
        minute: Number(row.minute),
        detector: row.detector,
        signal: row.signal,
        maxScore: Number(row.maxScore),
        present: Number(row.present),
        scored: Number(row.scored),
      })),
      events: events.map((row) => ({ time: Number(row.time), type: row.type, detail: row.detail })),
      alerts,
      screens: screens.map(({ seq, time, width, height }) => ({
        seq: Number(seq),
        time: time.getTime(),
        width,
        height,
        url: `/api/sessions/${ctx.params.sessionId}/screens/${seq}`,
      })),
    };
  });

  router.get('/sessions/:sessionId/screens/:seq', signedIn(deps, 'proctor', 'instructor', 'admin'), async (ctx) => {
    await sessionFor(ctx.state, ctx.params.sessionId!);
    const seq = screenSeq.safeParse(ctx.params.seq);
    if (!seq.success) throw notFound('screen picture');
    const { rows } = await pool.query<{ storage_key: string }>(
      'SELECT storage_key FROM screen_pictures WHERE session_id = $1 AND seq = $2',
      [ctx.params.sessionId, seq.data],
    );
    if (!rows[0]) throw notFound('screen picture');
    ctx.set('Cache-Control', 'private, no-store');
    ctx.type = 'image/jpeg';
    ctx.body = await deps.evidence.get(rows[0].storage_key);
  });

  router.get('/exams/:examId/sessions', signedIn(deps), async (ctx) => {
    const caller = callerOf(ctx.state);
    const exam = await examFor(pool, caller, ctx.params.examId!);
    const { rows } = await pool.query<Row>(
      `SELECT ${sessionColumns} FROM sessions s JOIN users u ON u.id = s.candidate_id
       WHERE s.exam_id = $1 AND ($2::text IS NULL OR s.candidate_id = $2) ORDER BY s.started_at DESC`,
      [exam.id, caller.role === 'student' ? caller.userId : null],
    );
    ctx.body = {
      sessions: rows.map((session) => ({ ...session, risk: deps.live.riskOf(session.id as string) ?? null })),
    };
  });
}
