import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type ExamPolicy, mintIngestToken } from '@proctoflex/core';
import { audit } from '../audit.ts';
import { callerOf, signedIn } from '../auth/guard.ts';
import type { ApiDeps, ApiRouter, Row } from '../context.ts';
import { publishSessionStatus } from './status.ts';
import { examFor } from '../exams/access.ts';
import { queryWithParams } from '../analytics/clickhouse.ts';
import { conflict, forbidden, notFound, parse } from '../http.ts';
import { inTransaction } from '../transaction.ts';
import { captureSettings } from './capture.ts';
import { recordingNotice } from './notice.ts';

const sessionColumns = `s.id, s.exam_id AS "examId", s.candidate_id AS "candidateId", u.display_name AS "candidateName",
  s.status, s.started_at AS "startedAt", s.ended_at AS "endedAt", s.client_version AS "clientVersion",
  (SELECT count(*)::int FROM alerts a WHERE a.session_id = s.id AND a.state = 'open') AS "openAlerts",
  EXISTS (SELECT 1 FROM alerts a WHERE a.session_id = s.id AND a.state = 'open' AND a.rule = 'client_disconnected')
    AS "disconnected"`;

/** A session's risk series and, per minute and detector, its strongest signal, from ClickHouse. */
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
};

/** A session starts only with the candidate's agreement to the exam's recording notice in force. */
const sessionStart = z.object({ noticeVersion: z.string().min(1).max(64) });

export function registerSessionRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { pool, config } = deps;
  const recordingOf = async (examId: string) => {
    const { rows } = await pool.query<{ surveillanceLevel: ExamPolicy['surveillanceLevel']; retentionDays: number }>(
      `SELECT policy->>'surveillanceLevel' AS "surveillanceLevel", retention_days AS "retentionDays" FROM exams WHERE id = $1`,
      [examId],
    );
    return rows[0]!;
  };

  /** What the desktop needs to send a session's records: where, with which token, at which rates. */
  const ingestGrant = async (sessionId: string, examId: string, candidateId: string) => ({
    sessionId,
    examId,
    candidateId,
    capture: captureSettings((await recordingOf(examId)).surveillanceLevel),
    ingestUrl: config.API_INGEST_URL,
    ingestToken: mintIngestToken(
      config.INGEST_TOKEN_SECRET,
      { sessionId, examId, candidateId },
      config.API_INGEST_TOKEN_TTL_S,
    ),
    ingestTokenExpiresIn: config.API_INGEST_TOKEN_TTL_S,
  });

  /** The session, if the caller may see it: through its exam, and a student only their own. */
  const sessionFor = async (state: Parameters<typeof callerOf>[0], sessionId: string) => {
    const caller = callerOf(state);
    const { rows } = await pool.query<Row>(
      `SELECT ${sessionColumns} FROM sessions s JOIN users u ON u.id = s.candidate_id WHERE s.id = $1`,
      [sessionId],
    );
    const session = rows[0] as { examId: string; candidateId: string; status: string } | undefined;
    if (!session) throw notFound('session');
    await examFor(pool, caller, session.examId);
    if (caller.role === 'student' && session.candidateId !== caller.userId) throw forbidden('not your session');
    return session;
  };

  router.get('/exams/:examId/notice', signedIn(deps), async (ctx) => {
    const exam = await examFor(pool, callerOf(ctx.state), ctx.params.examId!);
    ctx.body = recordingNotice(await recordingOf(exam.id));
  });

  router.post('/exams/:examId/sessions', signedIn(deps, 'student'), async (ctx) => {
    const caller = callerOf(ctx.state);
    const exam = await examFor(pool, caller, ctx.params.examId!);
    const { noticeVersion } = parse(sessionStart, ctx.request.body);
    const { rows: window } = await pool.query<{ open: boolean }>(
      'SELECT now() BETWEEN starts_at AND ends_at AS open FROM exams WHERE id = $1',
      [exam.id],
    );
    if (!window[0]!.open) throw conflict('the exam is not open for sessions now');
    const notice = recordingNotice(await recordingOf(exam.id));
    if (noticeVersion !== notice.version)
      throw conflict('the recording notice has changed: read it again (GET /api/exams/{examId}/notice) and agree');
    const sessionId = randomUUID();
    await inTransaction(pool, async (client) => {
      const { rowCount } = await client.query<Row>(
        `INSERT INTO sessions (id, exam_id, candidate_id, status)
         SELECT $1, $2, $3, 'active'
         WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE exam_id = $2 AND candidate_id = $3 AND status = 'active')`,
        [sessionId, exam.id, caller.userId],
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
    ctx.body = await ingestGrant(sessionId, exam.id, caller.userId);
  });

  router.post('/sessions/:sessionId/token', signedIn(deps, 'student'), async (ctx) => {
    const session = await sessionFor(ctx.state, ctx.params.sessionId!);
    if (session.status !== 'active') throw conflict('the session has ended');
    ctx.body = await ingestGrant(ctx.params.sessionId!, session.examId, session.candidateId);
  });

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
    const [risk, signals, { rows: alerts }] = await Promise.all([
      queryWithParams(config.CLICKHOUSE_URL, timelineQueries.risk, params),
      queryWithParams(config.CLICKHOUSE_URL, timelineQueries.signals, params),
      pool.query<Row>(
        `SELECT id, rule, state, severity, description, started_at AS "startedAt", ended_at AS "endedAt",
           review_status AS "reviewStatus"
         FROM alerts WHERE session_id = $1 ORDER BY started_at`,
        [ctx.params.sessionId],
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
      alerts,
    };
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
