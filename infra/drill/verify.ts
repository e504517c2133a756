import {
  scoredInputs,
  type AlertEvent,
  type AudioChunk,
  type DetectorScore,
  type FrameCaptured,
  type ProcessSnapshot,
  type RiskUpdate,
  type SessionEvent,
} from '@proctoflex/core';

/** Every committed record of a drill's topics, decoded; each topic in partition order. */
export interface DrillRecords {
  readonly frames: readonly Pick<FrameCaptured, 'sessionId' | 'seq' | 'source' | 'enrolment'>[];
  readonly audio: readonly Pick<AudioChunk, 'sessionId' | 'seq'>[];
  readonly processes: readonly Pick<ProcessSnapshot, 'sessionId' | 'seq'>[];
  readonly sessions: readonly Pick<SessionEvent, 'sessionId' | 'seq' | 'type'>[];
  readonly scores: readonly Pick<DetectorScore, 'sessionId' | 'sourceSeq' | 'detector' | 'signals'>[];
  readonly risk: readonly Pick<RiskUpdate, 'sessionId' | 'captureTime' | 'computedTime'>[];
  readonly alerts: readonly Pick<AlertEvent, 'alertId' | 'sessionId' | 'rule' | 'action' | 'revision' | 'eventTime'>[];
}

/** Findings list at most this many examples of one kind, then a count. */
const examplesShown = 5;

function summarise(what: string, problems: string[]): string[] {
  if (problems.length <= examplesShown) return problems.map((problem) => `${what}: ${problem}`);
  return [
    ...problems.slice(0, examplesShown).map((problem) => `${what}: ${problem}`),
    `${what}: … ${problems.length - examplesShown} more`,
  ];
}

function countBy<T>(values: readonly T[], keyOf: (value: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(keyOf(value), (counts.get(keyOf(value)) ?? 0) + 1);
  return counts;
}

/**
 * Nothing the clients sent is missing: each session's seqs across the four input topics are
 * 0..n without a gap, n being its one ENDED event (every simulated session ends). Replays (the
 * same seq twice) are allowed here: the gateway cannot tell a resend from a first send.
 */
export function checkIngest(records: DrillRecords): string[] {
  const seqs = new Map<string, Set<number>>();
  for (const { sessionId, seq } of [...records.frames, ...records.audio, ...records.processes, ...records.sessions]) {
    if (!seqs.has(sessionId)) seqs.set(sessionId, new Set());
    seqs.get(sessionId)!.add(seq);
  }
  // Seqs of each session's ENDED events: a replayed ENDED has the same seq.
  const ended = new Map<string, Set<number>>();
  for (const event of records.sessions) {
    if (event.type !== 'ENDED') continue;
    if (!ended.has(event.sessionId)) ended.set(event.sessionId, new Set());
    ended.get(event.sessionId)!.add(event.seq);
  }
  const problems: string[] = [];
  for (const [sessionId, present] of seqs) {
    const ends = [...(ended.get(sessionId) ?? [])];
    if (ends.length !== 1) {
      problems.push(`session ${sessionId} has ${ends.length} ENDED events`);
      continue;
    }
    const last = ends[0]!;
    const missing: number[] = [];
    for (let seq = 0; seq <= last; seq += 1) if (!present.has(seq)) missing.push(seq);
    if (missing.length > 0)
      problems.push(
        `session ${sessionId} lost seq ${missing.slice(0, 10).join(', ')} (${missing.length} of ${last + 1})`,
      );
    if ([...present].some((seq) => seq > last))
      problems.push(`session ${sessionId} has seqs after its ENDED (${last})`);
  }
  return summarise('ingest', problems);
}

/**
 * The scores each processor owes, as `detector/sessionId/seq` → how many: one per input record in
 * the topic (a replayed input is scored again; the risk stage drops the repeat), except that the
 * object processor scores every `objectEveryNth` webcam frame of a session, counting in the
 * session's order, and the voice processor, whose model hears each session as one stream, drops
 * a chunk whose seq is not above the last one it heard.
 */
export function expectedScores(records: DrillRecords, objectEveryNth: number): Map<string, number> {
  const expected = new Map<string, number>();
  const owe = (detector: string, sessionId: string, seq: number) => {
    const key = `${detector}/${sessionId}/${seq}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  };
  const objectFramesSeen = new Map<string, number>();
  for (const frame of records.frames) {
    if (scoredInputs.face(frame)) owe('FACE', frame.sessionId, frame.seq);
    if (!scoredInputs.countsForObject(frame)) continue;
    const seen = objectFramesSeen.get(frame.sessionId) ?? 0;
    if (scoredInputs.object(seen, objectEveryNth)) owe('OBJECT', frame.sessionId, frame.seq);
    objectFramesSeen.set(frame.sessionId, seen + 1);
  }
  const lastHeard = new Map<string, number>();
  for (const chunk of records.audio) {
    if (!scoredInputs.voice(chunk.seq, lastHeard.get(chunk.sessionId) ?? -1)) continue;
    owe('VOICE', chunk.sessionId, chunk.seq);
    lastHeard.set(chunk.sessionId, chunk.seq);
  }
  for (const snapshot of records.processes) owe('APP_POLICY', snapshot.sessionId, snapshot.seq);
  return expected;
}

/** Every input was scored exactly as often as it was owed: none lost to a crash, none written twice. */
export function checkScores(records: DrillRecords, objectEveryNth: number): string[] {
  const expected = expectedScores(records, objectEveryNth);
  const actual = countBy(records.scores, (score) => `${score.detector}/${score.sessionId}/${score.sourceSeq}`);
  const problems: string[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const owed = expected.get(key) ?? 0;
    const found = actual.get(key) ?? 0;
    if (found < owed) problems.push(`${key} scored ${found} times, owed ${owed} (lost)`);
    if (found > owed) problems.push(`${key} scored ${found} times, owed ${owed} (duplicated)`);
  }
  return summarise('scores', problems);
}

/**
 * Each alert's events are revisions 0..n once each, OPENED first and CLOSED (if at all) last; and
 * one (session, rule) never has two alerts open at once: a risk stage that lost its state after
 * a crash would open the same condition again.
 */
export function checkAlerts(alerts: DrillRecords['alerts']): string[] {
  const problems: string[] = [];
  const byAlert = new Map<string, DrillRecords['alerts'][number][]>();
  for (const alert of alerts) {
    if (!byAlert.has(alert.alertId)) byAlert.set(alert.alertId, []);
    byAlert.get(alert.alertId)!.push(alert);
  }
  const spans = new Map<string, { alertId: string; opened: number; closed: number | null }[]>();
  for (const [alertId, events] of byAlert) {
    const revisions = events.map((event) => event.revision).sort((a, b) => a - b);
    const duplicated = revisions.filter((revision, index) => revisions[index - 1] === revision);
    if (duplicated.length > 0) problems.push(`alert ${alertId} has revision ${duplicated.join(', ')} twice`);
    const distinct = [...new Set(revisions)];
    if (distinct.some((revision, index) => revision !== index))
      problems.push(`alert ${alertId} has revisions ${distinct.join(', ')} (a gap: lost)`);
    const ordered = [...events].sort((a, b) => a.revision - b.revision);
    const opened = ordered[0]!;
    if (opened.revision !== 0 || opened.action !== 'OPENED')
      problems.push(`alert ${alertId} begins with ${opened.action} revision ${opened.revision}`);
    const last = ordered.at(-1)!;
    if (ordered.some((event) => event.action === 'CLOSED' && event.revision !== last.revision))
      problems.push(`alert ${alertId} changes after it CLOSED`);
    const key = `${opened.sessionId}/${opened.rule}`;
    if (!spans.has(key)) spans.set(key, []);
    spans
      .get(key)!
      .push({ alertId, opened: opened.eventTime, closed: last.action === 'CLOSED' ? last.eventTime : null });
  }
  for (const [key, list] of spans) {
    list.sort((a, b) => a.opened - b.opened);
    for (let index = 1; index < list.length; index += 1) {
      const before = list[index - 1]!;
      const after = list[index]!;
      if (before.closed === null || before.closed > after.opened)
        problems.push(`${key}: alert ${after.alertId} opened while ${before.alertId} was still open`);
    }
  }
  return summarise('alerts', problems);
}

/** PostgreSQL holds every alert once, at its newest revision, and every revision once in its history. */
export function checkAlertsInPostgres(
  alerts: DrillRecords['alerts'],
  rows: readonly { id: string; revision: number; state: string }[],
  history: readonly { alert_id: string; revision: number }[],
): string[] {
  const newest = new Map<string, DrillRecords['alerts'][number]>();
  for (const alert of alerts)
    if ((newest.get(alert.alertId)?.revision ?? -1) < alert.revision) newest.set(alert.alertId, alert);
  const problems: string[] = [];
  const rowOf = new Map(rows.map((row) => [row.id, row]));
  for (const [alertId, alert] of newest) {
    const row = rowOf.get(alertId);
    if (!row) problems.push(`alert ${alertId} missing (lost)`);
    else if (row.revision !== alert.revision)
      problems.push(`alert ${alertId} at revision ${row.revision}, Kafka has ${alert.revision}`);
    else if ((row.state === 'closed') !== (alert.action === 'CLOSED'))
      problems.push(`alert ${alertId} is ${row.state} after ${alert.action}`);
  }
  for (const row of rows) if (!newest.has(row.id)) problems.push(`alert ${row.id} is not in Kafka`);
  const expectedHistory = new Set(alerts.map((alert) => `${alert.alertId}/${alert.revision}`));
  const actualHistory = countBy(history, (entry) => `${entry.alert_id}/${entry.revision}`);
  for (const key of expectedHistory) if (!actualHistory.has(key)) problems.push(`history ${key} missing (lost)`);
  for (const [key, count] of actualHistory) {
    if (!expectedHistory.has(key)) problems.push(`history ${key} is not in Kafka`);
    if (count > 1) problems.push(`history ${key} written ${count} times`);
  }
  return summarise('postgres', problems);
}

/**
 * The rows each ClickHouse table must show (queried with FINAL): one per distinct record identity
 * in its topic, the identity being the table's ORDER BY key, which is what a replayed batch repeats.
 */
export function expectedClickHouseRows(records: DrillRecords): Record<string, number> {
  const distinct = <T>(values: readonly T[], keyOf: (value: T) => string) => new Set(values.map(keyOf)).size;
  return {
    signals: distinct(
      records.scores.flatMap((score) => score.signals.map((signal) => ({ score, signal: signal.name }))),
      ({ score, signal }) => `${score.sessionId}/${score.detector}/${score.sourceSeq}/${signal}`,
    ),
    risk_updates: distinct(records.risk, (risk) => `${risk.sessionId}/${risk.captureTime}/${risk.computedTime}`),
    alert_events: distinct(records.alerts, (alert) => `${alert.alertId}/${alert.revision}`),
    session_events: distinct(records.sessions, (event) => `${event.sessionId}/${event.seq}`),
    process_snapshots: distinct(records.processes, (snapshot) => `${snapshot.sessionId}/${snapshot.seq}`),
  };
}

export function checkClickHouse(expected: Record<string, number>, counted: Record<string, number>): string[] {
  return summarise(
    'clickhouse',
    Object.entries(expected)
      .filter(([table, rows]) => counted[table] !== rows)
      .map(
        ([table, rows]) =>
          `${table} has ${counted[table]} rows, the topic ${rows} (${(counted[table] ?? 0) < rows ? 'lost' : 'duplicated'})`,
      ),
  );
}
