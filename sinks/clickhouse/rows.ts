import type {
  AlertEvent,
  AlertReview,
  DetectorScore,
  ExamPolicy,
  ProcessSnapshot,
  RiskUpdate,
  SessionEvent,
} from '@proctoflex/core';

/**
 * Rows of the ClickHouse tables (infra/clickhouse/migrations), one function per topic. ClickHouse
 * 18.16 has no DateTime64, so every time is a day, UTC seconds and milliseconds.
 */
export type Row = Record<string, unknown>;

const dayMs = 86_400_000;
const dayNames = new Map<number, string>();
/** The UTC day of a time as YYYY-MM-DD; formatted once per day, as every row needs it. */
function day(epochMs: number): string {
  const index = Math.floor(epochMs / dayMs);
  let name = dayNames.get(index);
  if (name === undefined) {
    name = new Date(index * dayMs).toISOString().slice(0, 10);
    dayNames.set(index, name);
  }
  return name;
}
const seconds = (epochMs: number) => Math.floor(epochMs / 1000);
const millis = (epochMs: number) => epochMs % 1000;

/** The usual time columns: `<name>_date` (if `date` is given), `<name>_time` and `<name>_ms`. */
function time(name: string, epochMs: number, date?: string): Row {
  return {
    ...(date && { [date]: day(epochMs) }),
    [`${name}_time`]: seconds(epochMs),
    [`${name}_ms`]: millis(epochMs),
  };
}

const who = (value: { examId: string; sessionId: string; candidateId: string }) => ({
  exam_id: value.examId,
  session_id: value.sessionId,
  candidate_id: value.candidateId,
});

/** `signals`: one row per signal of a detector score, present or not (absence is data too). */
export function signalRows(score: DetectorScore): Row[] {
  // The bulk of all rows: fields written out, the score's own computed once.
  const captureDate = day(score.captureTime);
  const captureTime = seconds(score.captureTime);
  const captureMs = millis(score.captureTime);
  const processedTime = seconds(score.processedTime);
  const processedMs = millis(score.processedTime);
  return score.signals.map((signal) => ({
    capture_date: captureDate,
    capture_time: captureTime,
    capture_ms: captureMs,
    processed_time: processedTime,
    processed_ms: processedMs,
    exam_id: score.examId,
    session_id: score.sessionId,
    candidate_id: score.candidateId,
    detector: score.detector,
    signal: signal.name,
    score: signal.score,
    source_topic: score.sourceTopic,
    source_seq: score.sourceSeq,
    model_version: score.modelVersion,
    labels: signal.labels,
    measurement_names: Object.keys(signal.measurements),
    measurement_values: Object.values(signal.measurements),
  }));
}

/** `risk_updates`: one row per update. */
export function riskRows(risk: RiskUpdate): Row[] {
  return [
    {
      ...time('capture', risk.captureTime, 'capture_date'),
      ...time('computed', risk.computedTime),
      ...who(risk),
      risk_score: risk.riskScore,
      level: risk.level,
      contribution_rules: risk.contributions.map(({ rule }) => rule),
      contribution_points: risk.contributions.map(({ points }) => points),
    },
  ];
}

/** `alert_events`: one row per change of an alert. */
export function alertRows(alert: AlertEvent): Row[] {
  return [
    {
      ...time('event', alert.eventTime, 'event_date'),
      ...who(alert),
      alert_id: alert.alertId,
      revision: alert.revision,
      action: alert.action,
      rule: alert.rule,
      severity: alert.severity,
      description: alert.description,
      ...time('start', alert.startTime),
      end_time: alert.endTime === null ? null : seconds(alert.endTime),
      evidence_count: alert.evidence.length,
      score_count: alert.scores.length,
    },
  ];
}

/** `session_events`: one row per event. */
export function sessionRows(event: SessionEvent): Row[] {
  return [
    {
      ...time('capture', event.captureTime, 'capture_date'),
      ...who(event),
      seq: event.seq,
      type: event.type,
      client_version: event.clientVersion,
      detail: event.detail,
    },
  ];
}

/** `process_snapshots`: one row per snapshot, its processes as names. */
export function processRows(snapshot: ProcessSnapshot): Row[] {
  return [
    {
      ...time('capture', snapshot.captureTime, 'capture_date'),
      ...who(snapshot),
      seq: snapshot.seq,
      platform: snapshot.platform,
      process_names: snapshot.processes.map(({ name }) => name),
      foreground_app: snapshot.foregroundApp,
      foreground_window_title: snapshot.foregroundWindowTitle,
      browser_domains: snapshot.browserDomains,
      display_count: snapshot.displays.length,
      virtual_machine_hints: snapshot.virtualMachineHints,
    },
  ];
}

/** `alert_reviews`: one row per decision. */
export function reviewRows(review: AlertReview): Row[] {
  return [
    {
      ...time('reviewed', review.reviewedTime, 'review_date'),
      exam_id: review.examId,
      session_id: review.sessionId,
      alert_id: review.alertId,
      rule: review.rule,
      decision: review.decision,
      reviewer_id: review.reviewerId,
    },
  ];
}

/** `exams`: one row per policy version. */
export function examRows(policy: ExamPolicy): Row[] {
  return [
    {
      exam_id: policy.examId,
      version: policy.version,
      updated_time: seconds(policy.updatedTime),
      title: policy.title,
      start_time: seconds(policy.startTime),
      end_time: seconds(policy.endTime),
      duration_minutes: policy.durationMinutes,
      surveillance_level: policy.surveillanceLevel,
      allowed_apps: policy.allowedApps,
      allowed_domains: policy.allowedDomains,
      overridden_rules: policy.ruleOverrides.map(({ rule }) => rule),
      deleted: policy.deleted ? 1 : 0,
    },
  ];
}
