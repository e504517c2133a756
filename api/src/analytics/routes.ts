import { z } from 'zod';
import { callerOf, signedIn } from '../auth/guard.ts';
import type { ApiDeps, ApiRouter } from '../context.ts';
import { examFor, visibleExams } from '../exams/access.ts';
import { parse } from '../http.ts';
import { queryWithParams } from './clickhouse.ts';

const range = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** Per-exam analyses from ClickHouse (tables of infra/clickhouse/migrations), values bound as external data. */
const analyses = {
  'signals-per-hour': `
    SELECT toStartOfHour(minute) AS hour, detector, signal,
      uniqIfMerge(present) AS inputsPresent, uniqMerge(inputs) AS inputsScored,
      uniqIfMerge(sessions_present) AS sessionsPresent, uniqMerge(sessions) AS sessionsScored
    FROM signal_minute_states
    WHERE exam_id IN (SELECT value FROM exam_ids)
      AND minute >= toDateTime((SELECT from_s FROM params)) AND minute < toDateTime((SELECT to_s FROM params))
    GROUP BY hour, detector, signal
    HAVING inputsPresent > 0
    ORDER BY hour, inputsPresent DESC`,
  'alert-outcomes': `
    SELECT rule, alerts, confirmed, dismissed, escalated, alerts - confirmed - dismissed - escalated AS unreviewed
    FROM (
      SELECT rule, count() AS alerts FROM alert_events FINAL
      WHERE exam_id IN (SELECT value FROM exam_ids) AND action = 'OPENED'
        AND event_time >= toDateTime((SELECT from_s FROM params)) AND event_time < toDateTime((SELECT to_s FROM params))
      GROUP BY rule
    )
    ANY LEFT JOIN (
      SELECT rule, countIf(decision = 'CONFIRMED') AS confirmed, countIf(decision = 'DISMISSED') AS dismissed,
        countIf(decision = 'ESCALATED') AS escalated
      FROM (
        SELECT alert_id, any(rule) AS rule, argMax(decision, (reviewed_time, reviewed_ms)) AS decision
        FROM alert_reviews FINAL WHERE exam_id IN (SELECT value FROM exam_ids) GROUP BY alert_id
      )
      GROUP BY rule
    ) USING rule
    ORDER BY alerts DESC, rule`,
  'risk-distribution': `
    SELECT intDiv(toUInt32(max_risk), 10) * 10 AS riskBand, count() AS sessions
    FROM sessions
    WHERE exam_id IN (SELECT value FROM exam_ids)
      AND started_at >= toDateTime((SELECT from_s FROM params)) AND started_at < toDateTime((SELECT to_s FROM params))
    GROUP BY riskBand
    ORDER BY riskBand`,
};

type AnalysisName = keyof typeof analyses;
export const analysisNames = Object.keys(analyses) as AnalysisName[];

export function registerAnalyticsRoutes(router: ApiRouter, deps: ApiDeps): void {
  const managers = signedIn(deps, 'instructor', 'admin');
  const analyse = async (name: AnalysisName, examIds: string[], query: unknown) => {
    const { from, to } = parse(range, query, 'query');
    const params = {
      from_s: from ? Math.floor(Date.parse(from) / 1000) : 0,
      to_s: Math.floor((to ? Date.parse(to) : Date.now() + 86_400_000) / 1000),
    };
    return queryWithParams(deps.config.CLICKHOUSE_URL, analyses[name], params, { exam_ids: examIds });
  };
  for (const name of analysisNames) {
    router.get(`/exams/:examId/analytics/${name}`, managers, async (ctx) => {
      const exam = await examFor(deps.pool, callerOf(ctx.state), ctx.params.examId!);
      ctx.body = { examId: exam.id, rows: await analyse(name, [exam.id], ctx.query) };
    });
    router.get(`/analytics/${name}`, managers, async (ctx) => {
      const caller = callerOf(ctx.state);
      const { rows } = await deps.pool.query<{ id: string }>(
        `SELECT e.id FROM exams e WHERE e.deleted_at IS NULL AND ${visibleExams(caller)}`,
        [caller.userId],
      );
      const examIds = rows.map(({ id }) => id);
      ctx.body = { exams: examIds.length, rows: await analyse(name, examIds, ctx.query) };
    });
  }
}
