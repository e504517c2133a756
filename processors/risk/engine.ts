import { createHash } from 'node:crypto';
import {
  type AlertEvent,
  type AlertSeverity,
  type DetectorScore,
  type EvidenceRef,
  type RiskContribution,
  type RiskLevel,
  type RiskUpdate,
  type ScoreRef,
  disconnectRule,
  type Rule,
  type Trigger,
} from '@proctoflex/core';

/** One observation of a rule's signal, as the rule's trigger remembers it. */
interface Sample {
  readonly seq: number;
  readonly time: number;
  readonly present: boolean;
  readonly amount: number;
}

interface OpenAlert {
  readonly alertId: string;
  readonly startSeq: number;
  readonly startTime: number;
  readonly sourceTopic: string;
  revision: number;
  severity: AlertSeverity;
  /** Capture time of the last event sent for it, for pacing updates. */
  sentAt: number;
  evidence: EvidenceRef[];
  scores: ScoreRef[];
  labels: string[];
}

interface RuleState {
  recent: Sample[];
  alert: OpenAlert | null;
  /** Capture time of the first clear observation while the alert is open. */
  clearSince: number | null;
  /** When the rule's last alert closed, for the risk's decay. */
  closedAt: number | null;
  /** Its alert was closed by the session's end while the trigger still fired: no new alert until it stops. */
  closedWhileFiring: boolean;
}

/** Everything the risk stage remembers of a session (its changelog value). */
export interface SessionRisk {
  readonly examId: string;
  readonly candidateId: string;
  readonly rules: Record<string, RuleState>;
  /** sourceSeq of the newest score per detector: a score not above it is a replay. */
  readonly lastSeqs: Record<string, number>;
  /** Newest capture time seen: the session's clock. */
  now: number;
  riskEmittedAt: number;
  level: RiskLevel | null;
  /** Capture time of the session's ENDED event: scores that arrive after it still count up to then. */
  endedAt: number | null;
  /** The session's last event (heartbeat or other): its seq, capture time and Kafka timestamp. */
  lastEvent: { seq: number; captureTime: number; timestamp: number } | null;
  /** The client_disconnected alert while the client is silent. */
  disconnected: OpenAlert | null;
}

export interface Emitted {
  readonly alerts: AlertEvent[];
  readonly risks: RiskUpdate[];
}

/** Tuning shared by every rule: see config.ts. */
export interface EngineOptions {
  /** Open this long (event time), an alert's severity rises one step. */
  readonly escalateAfterMs: number;
  /** An open alert is re-sent with its new evidence at most this often (event time). */
  readonly updateEveryMs: number;
  /** A closed alert's points halve every this long. */
  readonly decayHalfLifeMs: number;
  /** Silent this long (processing time, since the last event reached Kafka), a client counts as disconnected. */
  readonly heartbeatTimeoutMs: number;
}

const severities: readonly AlertSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const maxEvidence = 20;

export function newSessionRisk(examId: string, candidateId: string): SessionRisk {
  return {
    examId,
    candidateId,
    rules: {},
    lastSeqs: {},
    now: 0,
    riskEmittedAt: 0,
    level: null,
    endedAt: null,
    lastEvent: null,
    disconnected: null,
  };
}

/** Same session, rule and first supporting record: same alert, however often it is computed. */
export function alertIdOf(sessionId: string, rule: string, startSeq: number): string {
  return createHash('sha256').update(`${sessionId}|${rule}|${startSeq}`).digest('hex').slice(0, 32);
}

/** The trigger's memory after one more observation, whether it fires, and the first sample behind it. */
function advance(trigger: Trigger, recent: Sample[], sample: Sample): { recent: Sample[]; fires: boolean } {
  switch (trigger.kind) {
    case 'persists': {
      // The run's first and latest present samples.
      const run = sample.present ? [recent[0] ?? sample, sample] : [];
      return { recent: run, fires: run.length > 0 && sample.time - run[0]!.time >= trigger.seconds * 1000 };
    }
    case 'ofLast': {
      const window = [...recent, sample].slice(-trigger.of);
      return { recent: window, fires: window.filter((entry) => entry.present).length >= trigger.count };
    }
    case 'consecutive': {
      const streak = sample.present ? [...recent, sample].slice(-trigger.count) : [];
      return { recent: streak, fires: streak.length >= trigger.count };
    }
    case 'amountWithin': {
      const window = [...recent, sample].filter(
        (entry) => entry.present && entry.time > sample.time - trigger.windowSeconds * 1000,
      );
      const amount = window.reduce((sum, entry) => sum + entry.amount, 0);
      return { recent: window, fires: amount >= trigger.seconds };
    }
    case 'once':
      return { recent: sample.present ? [sample] : [], fires: sample.present };
  }
}

function describe(rule: Rule, alert: OpenAlert, eventTime: number): string {
  const what = alert.labels.length > 0 ? `${rule.phrase}: ${alert.labels.join(', ')}` : rule.phrase;
  const seconds = Math.round((eventTime - alert.startTime) / 1000);
  return seconds > 0 ? `${what} for ${seconds} s` : what;
}

/**
 * Advances a session's rules by one detector score, in the order the detector produced them
 * (each detector's scores of a session arrive in capture order), and says which alert events
 * and risk updates follow. Rules run on capture time only: a score uploaded late changes the
 * alerts exactly as it would have on time.
 */
export function applyScore(
  session: SessionRisk,
  score: DetectorScore,
  rules: readonly Rule[],
  options: EngineOptions,
): Emitted {
  const alerts: AlertEvent[] = [];
  if (score.sourceSeq <= (session.lastSeqs[score.detector] ?? -1)) return { alerts, risks: [] };
  session.lastSeqs[score.detector] = score.sourceSeq;
  session.now = Math.max(session.now, score.captureTime);

  for (const rule of rules) {
    if (rule.detector !== score.detector) continue;
    const signal = score.signals.find((candidate) => candidate.name === rule.signal);
    if (!signal) continue;
    const state = (session.rules[rule.name] ??= {
      recent: [],
      alert: null,
      clearSince: null,
      closedAt: null,
      closedWhileFiring: false,
    });
    const present = signal.score >= rule.threshold;
    const amount = rule.trigger.kind === 'amountWithin' ? (signal.measurements[rule.trigger.measurement] ?? 0) : 1;
    const sample = { seq: score.sourceSeq, time: score.captureTime, present, amount };
    const { recent, fires } = advance(rule.trigger, state.recent, sample);
    state.recent = recent;
    const event = (alert: OpenAlert, action: AlertEvent['action'], endTime: number | null): AlertEvent => {
      alert.sentAt = score.captureTime;
      return {
        alertId: alert.alertId,
        sessionId: score.sessionId,
        examId: session.examId,
        candidateId: session.candidateId,
        rule: rule.name,
        action,
        revision: alert.revision++,
        severity: alert.severity,
        description: describe(rule, alert, endTime ?? score.captureTime),
        startSeq: alert.startSeq,
        startTime: alert.startTime,
        eventTime: score.captureTime,
        endTime,
        evidence: alert.evidence,
        scores: alert.scores,
      };
    };

    if (!fires) state.closedWhileFiring = false;
    if (fires && state.closedWhileFiring) continue;
    if (fires) {
      state.clearSince = null;
      const supporting = recent.filter((entry) => entry.present);
      if (!state.alert) {
        const start = supporting[0]!;
        state.alert = {
          alertId: alertIdOf(score.sessionId, rule.name, start.seq),
          startSeq: start.seq,
          startTime: start.time,
          sourceTopic: score.sourceTopic,
          revision: 0,
          severity: rule.severity,
          sentAt: 0,
          evidence: supporting.map((entry) => ({ topic: score.sourceTopic, seq: entry.seq, captureTime: entry.time })),
          scores: [],
          labels: [],
        };
      }
      const alert = state.alert;
      if (
        present &&
        !alert.evidence.some((entry) => entry.seq === score.sourceSeq) &&
        alert.evidence.length < maxEvidence
      )
        alert.evidence.push({ topic: score.sourceTopic, seq: score.sourceSeq, captureTime: score.captureTime });
      if (present && alert.scores.length < maxEvidence)
        alert.scores.push({
          detector: score.detector,
          signal: rule.signal,
          score: signal.score,
          sourceSeq: score.sourceSeq,
        });
      alert.labels = [...new Set([...alert.labels, ...signal.labels])].sort();
      const escalate =
        score.captureTime - alert.startTime >= options.escalateAfterMs && alert.severity === rule.severity;
      if (escalate)
        alert.severity = severities[Math.min(severities.indexOf(alert.severity) + 1, severities.length - 1)]!;
      if (alert.revision === 0) alerts.push(event(alert, 'OPENED', null));
      else if (escalate || score.captureTime - alert.sentAt >= options.updateEveryMs)
        alerts.push(event(alert, 'UPDATED', null));
    } else if (state.alert) {
      state.clearSince ??= score.captureTime;
      if (score.captureTime - state.clearSince >= rule.holdSeconds * 1000) {
        alerts.push(event(state.alert, 'CLOSED', state.clearSince));
        state.closedAt = state.clearSince;
        state.alert = null;
        state.clearSince = null;
      }
    }
  }
  // Scores of an ended session arrive late from slower detectors: what they open closes at the end.
  if (session.endedAt !== null) alerts.push(...closeOpenAlerts(session, score.sessionId, session.endedAt, rules));
  return { alerts, risks: riskUpdates(session, score.sessionId, rules, options, alerts.length > 0) };
}

/** Closes every open alert of a session that ended (at `endTime`), and sends its last risk. */
export function endSession(
  session: SessionRisk,
  sessionId: string,
  endTime: number,
  rules: readonly Rule[],
  options: EngineOptions,
): Emitted {
  session.endedAt = endTime;
  session.now = Math.max(session.now, endTime);
  const alerts = closeOpenAlerts(session, sessionId, endTime, rules);
  if (session.disconnected) alerts.push(disconnectEvent(session, sessionId, session.disconnected, 'CLOSED', endTime));
  session.disconnected = null;
  return { alerts, risks: riskUpdates(session, sessionId, rules, options, true) };
}

function closeOpenAlerts(session: SessionRisk, sessionId: string, endTime: number, rules: readonly Rule[]) {
  const alerts: AlertEvent[] = [];
  for (const rule of rules) {
    const state = session.rules[rule.name];
    if (!state?.alert) continue;
    const alert = state.alert;
    alerts.push({
      alertId: alert.alertId,
      sessionId,
      examId: session.examId,
      candidateId: session.candidateId,
      rule: rule.name,
      action: 'CLOSED',
      revision: alert.revision++,
      severity: alert.severity,
      description: `${describe(rule, alert, endTime)}, until the session ended`,
      startSeq: alert.startSeq,
      startTime: alert.startTime,
      eventTime: endTime,
      endTime,
      evidence: alert.evidence,
      scores: alert.scores,
    });
    state.alert = null;
    state.closedAt = endTime;
    state.closedWhileFiring = true;
  }
  return alerts;
}

function disconnectEvent(
  session: SessionRisk,
  sessionId: string,
  alert: OpenAlert,
  action: AlertEvent['action'],
  eventTime: number,
): AlertEvent {
  const seconds = Math.round((eventTime - alert.startTime) / 1000);
  return {
    alertId: alert.alertId,
    sessionId,
    examId: session.examId,
    candidateId: session.candidateId,
    rule: disconnectRule.name,
    action,
    revision: alert.revision++,
    severity: alert.severity,
    description: `${disconnectRule.phrase} for ${seconds} s`,
    startSeq: alert.startSeq,
    startTime: alert.startTime,
    eventTime,
    endTime: action === 'CLOSED' ? eventTime : null,
    evidence: alert.evidence,
    scores: [],
  };
}

/**
 * A session event (heartbeat, focus, start) reached the stage, sent to Kafka at `timestamp`: the
 * client is alive, and a client_disconnected alert closes at the event's capture time.
 */
export function heardFrom(
  session: SessionRisk,
  sessionId: string,
  event: { seq: number; captureTime: number },
  timestamp: number,
  rules: readonly Rule[],
  options: EngineOptions,
): Emitted {
  if (session.lastEvent && event.seq <= session.lastEvent.seq) return { alerts: [], risks: [] };
  session.lastEvent = { seq: event.seq, captureTime: event.captureTime, timestamp };
  const alert = session.disconnected;
  if (!alert) return { alerts: [], risks: [] };
  session.disconnected = null;
  const alerts = [disconnectEvent(session, sessionId, alert, 'CLOSED', event.captureTime)];
  return { alerts, risks: riskUpdates(session, sessionId, rules, options, true) };
}

/** A running session not yet known to be disconnected whose last event is older than the timeout. */
export function newlySilent(session: SessionRisk, now: number, options: EngineOptions): boolean {
  const last = session.lastEvent;
  return (
    last !== null &&
    session.endedAt === null &&
    session.disconnected === null &&
    now - last.timestamp > options.heartbeatTimeoutMs
  );
}

/**
 * At processing time `now`: a running session whose last event reached Kafka more than the
 * heartbeat timeout ago gets a client_disconnected alert (its id names that last event, so a
 * restart that sees the same silence opens the same alert).
 */
export function checkSilence(
  session: SessionRisk,
  sessionId: string,
  now: number,
  rules: readonly Rule[],
  options: EngineOptions,
): Emitted {
  const last = session.lastEvent;
  if (!last || !newlySilent(session, now, options)) return { alerts: [], risks: [] };
  session.disconnected = {
    alertId: alertIdOf(sessionId, disconnectRule.name, last.seq),
    startSeq: last.seq,
    startTime: last.captureTime,
    sourceTopic: 'proctor.sessions.v1',
    revision: 0,
    severity: disconnectRule.severity,
    sentAt: now,
    evidence: [{ topic: 'proctor.sessions.v1', seq: last.seq, captureTime: last.captureTime }],
    scores: [],
    labels: [],
  };
  const eventTime = last.captureTime + (now - last.timestamp);
  const alerts = [disconnectEvent(session, sessionId, session.disconnected, 'OPENED', eventTime)];
  return { alerts, risks: riskUpdates(session, sessionId, rules, options, true) };
}

const levelOf = (riskScore: number): RiskLevel => (riskScore >= 60 ? 'HIGH' : riskScore >= 30 ? 'MEDIUM' : 'LOW');

/** A risk update when a second (event time) has passed since the last, the level changed, or `force`. */
function riskUpdates(
  session: SessionRisk,
  sessionId: string,
  rules: readonly Rule[],
  options: EngineOptions,
  force: boolean,
): RiskUpdate[] {
  const contributions: RiskContribution[] = rules
    .flatMap((rule) => {
      const state = session.rules[rule.name];
      if (!state) return [];
      const points = state.alert
        ? rule.weight
        : state.closedAt === null
          ? 0
          : rule.weight * 0.5 ** ((session.now - state.closedAt) / options.decayHalfLifeMs);
      return points >= 0.1 ? [{ rule: rule.name, points: Math.round(points * 10) / 10 }] : [];
    })
    .concat(session.disconnected ? [{ rule: disconnectRule.name, points: disconnectRule.weight }] : [])
    .sort((a, b) => b.points - a.points);
  const riskScore = Math.min(100, Math.round(contributions.reduce((sum, { points }) => sum + points, 0) * 10) / 10);
  const level = levelOf(riskScore);
  if (!force && level === session.level && session.now - session.riskEmittedAt < 1000) return [];
  session.riskEmittedAt = session.now;
  session.level = level;
  return [
    {
      sessionId,
      examId: session.examId,
      candidateId: session.candidateId,
      riskScore,
      level,
      captureTime: session.now,
      computedTime: Date.now(),
      contributions,
    },
  ];
}
