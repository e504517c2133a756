import assert from 'node:assert/strict';
import test from 'node:test';
import {
  detectorScore,
  rulesFor,
  signal,
  type AlertEvent,
  type Detector,
  type DetectorScore,
  type RiskUpdate,
  type SurveillanceLevel,
} from '@proctoflex/core';
import { examPolicy } from '@proctoflex/core/testing';
import { alertIdOf, applyScore, checkSilence, endSession, heardFrom, newSessionRisk } from './engine.ts';

const options = {
  escalateAfterMs: 60_000,
  updateEveryMs: 10_000,
  decayHalfLifeMs: 120_000,
  heartbeatTimeoutMs: 20_000,
};
const t0 = Date.UTC(2026, 10, 24, 9, 0, 0);

/** A detector score of `name` at `second` of the session, seq growing with time. */
function score(
  detector: Detector,
  name: string,
  second: number,
  value: number,
  details: { measurements?: Record<string, number>; labels?: string[] } = {},
): DetectorScore {
  const input = {
    sessionId: 'session-1',
    examId: 'exam-1',
    candidateId: 'candidate-1',
    seq: Math.round(second * 10),
    captureTime: t0 + second * 1000,
  };
  const sourceTopic = detector === 'VOICE' ? 'proctor.audio.v1' : 'proctor.frames.v1';
  return detectorScore(input, sourceTopic, detector, 'test', [signal(name, value, details)]);
}

/** Runs scores through one session under a level's rules; every alert event and risk update. */
function run(level: SurveillanceLevel, scores: DetectorScore[], overrides = examPolicy('exam-1').ruleOverrides) {
  const rules = rulesFor(examPolicy('exam-1', { surveillanceLevel: level, ruleOverrides: overrides }));
  const session = newSessionRisk('exam-1', 'candidate-1');
  const alerts: AlertEvent[] = [];
  const risks: RiskUpdate[] = [];
  for (const each of scores) {
    const emitted = applyScore(session, each, rules, options);
    alerts.push(...emitted.alerts);
    risks.push(...emitted.risks);
  }
  return { alerts, risks, session, rules };
}

/** One score a second from `from` to `to` (inclusive), present (1) or not (0). */
const seconds = (detector: Detector, name: string, from: number, to: number, value: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => score(detector, name, from + index, value));

const summary = (alerts: AlertEvent[]) =>
  alerts.map((alert) => [alert.rule, alert.action, (alert.eventTime - t0) / 1000, alert.severity]);

test('no face: 9 s is no alert, 11 s is one, at every level its own duration', () => {
  for (const [level, limit] of [
    ['LOW', 20],
    ['STANDARD', 10],
    ['STRICT', 5],
  ] as const) {
    const short = run(level, [
      ...seconds('FACE', 'no_face', 0, limit - 1, 1),
      ...seconds('FACE', 'no_face', limit, limit + 9, 0),
    ]);
    assert.deepEqual(summary(short.alerts), [], `${level}: ${limit - 1} s`);
    const long = run(level, [
      ...seconds('FACE', 'no_face', 0, limit + 1, 1),
      ...seconds('FACE', 'no_face', limit + 2, limit + 9, 0),
    ]);
    assert.deepEqual(
      summary(long.alerts),
      [
        ['no_face', 'OPENED', limit, 'HIGH'],
        // Clear from limit + 2 on; closed once clear for the 4 s hold.
        ['no_face', 'CLOSED', limit + 6, 'HIGH'],
      ],
      `${level}: ${limit + 1} s`,
    );
    const [opened, closed] = long.alerts;
    assert.equal(opened!.alertId, alertIdOf('session-1', 'no_face', 0));
    assert.equal(closed!.alertId, opened!.alertId);
    assert.equal(opened!.description, `No face visible for ${limit} s`);
    assert.equal(closed!.endTime, t0 + (limit + 2) * 1000);
    assert.deepEqual([opened!.revision, closed!.revision], [0, 1]);
    assert.equal(opened!.evidence[0]!.seq, 0);
  }
});

test('several faces: 2 of the last 3 frames at STANDARD, 3 of 3 at LOW, one at STRICT', () => {
  const pattern = (values: number[]) => values.map((value, index) => score('FACE', 'several_faces', index * 2, value));
  assert.deepEqual(summary(run('STANDARD', pattern([1, 0, 0, 1, 0, 0])).alerts), []);
  assert.deepEqual(summary(run('STANDARD', pattern([1, 0, 1])).alerts), [['several_faces', 'OPENED', 4, 'HIGH']]);
  assert.deepEqual(summary(run('LOW', pattern([1, 1, 0, 1, 1])).alerts), []);
  assert.deepEqual(summary(run('LOW', pattern([1, 1, 1])).alerts), [['several_faces', 'OPENED', 4, 'HIGH']]);
  assert.deepEqual(summary(run('STRICT', pattern([0, 1])).alerts), [['several_faces', 'OPENED', 2, 'HIGH']]);
});

test('identity mismatch needs consecutive checks; speech needs its seconds within 30 s', () => {
  const checks = (values: number[]) =>
    values.map((value, index) => score('FACE', 'identity_mismatch', index * 10, value));
  assert.deepEqual(summary(run('STANDARD', checks([1, 1, 0, 1, 1])).alerts), []);
  assert.deepEqual(summary(run('STANDARD', checks([1, 1, 1])).alerts), [
    ['identity_mismatch', 'OPENED', 20, 'CRITICAL'],
  ]);

  const speech = (second: number) => score('VOICE', 'speech', second, 0.9, { measurements: { speechSeconds: 1 } });
  // 4 s of speech, then 4 more 40 s later: never 5 s within 30 s.
  assert.deepEqual(summary(run('STANDARD', [0, 1, 2, 3, 40, 41, 42, 43].map(speech)).alerts), []);
  assert.deepEqual(summary(run('STANDARD', [0, 1, 2, 20, 25].map(speech)).alerts), [
    ['speech', 'OPENED', 25, 'MEDIUM'],
  ]);
  assert.deepEqual(summary(run('STRICT', [0, 1, 2].map(speech)).alerts), [['speech', 'OPENED', 2, 'MEDIUM']]);
});

test('a forbidden app alerts at once and closes with the first snapshot without it', () => {
  const snapshot = (second: number, labels: string[]) =>
    score('APP_POLICY', 'forbidden_app', second, labels.length > 0 ? 1 : 0, { labels });
  const { alerts } = run('LOW', [
    snapshot(0, []),
    snapshot(5, ['discord']),
    snapshot(10, ['discord']),
    snapshot(15, []),
  ]);
  assert.deepEqual(summary(alerts), [
    ['forbidden_app', 'OPENED', 5, 'HIGH'],
    ['forbidden_app', 'CLOSED', 15, 'HIGH'],
  ]);
  assert.equal(alerts[0]!.description, 'Forbidden application running: discord');
  assert.equal(alerts[1]!.description, 'Forbidden application running: discord for 10 s');
});

test('a long alert is raised a step after a minute, and updated with its evidence at most every 10 s', () => {
  const { alerts } = run('STANDARD', seconds('FACE', 'no_face', 0, 75, 1));
  assert.deepEqual(summary(alerts), [
    ['no_face', 'OPENED', 10, 'HIGH'],
    ['no_face', 'UPDATED', 20, 'HIGH'],
    ['no_face', 'UPDATED', 30, 'HIGH'],
    ['no_face', 'UPDATED', 40, 'HIGH'],
    ['no_face', 'UPDATED', 50, 'HIGH'],
    ['no_face', 'UPDATED', 60, 'CRITICAL'],
    ['no_face', 'UPDATED', 70, 'CRITICAL'],
  ]);
  assert.deepEqual(
    alerts.map((alert) => alert.revision),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.equal(alerts.at(-1)!.evidence.length, 20, 'evidence is bounded');
});

test("an exam's overrides turn rules off, shorten them and weigh them", () => {
  const noFace = [...seconds('FACE', 'no_face', 0, 11, 1)];
  const off = [{ rule: 'no_face', enabled: false, weight: null, threshold: null, persistSeconds: null }];
  assert.deepEqual(summary(run('STANDARD', noFace, off).alerts), []);
  const quick = [{ rule: 'no_face', enabled: null, weight: 70, threshold: null, persistSeconds: 3 }];
  const { alerts, risks } = run('STANDARD', noFace, quick);
  assert.deepEqual(summary(alerts), [['no_face', 'OPENED', 3, 'HIGH']]);
  assert.equal(risks.at(-1)!.riskScore, 70);
  assert.equal(risks.at(-1)!.level, 'HIGH');
  // Looking away is off at LOW unless the exam turns it on.
  const away = seconds('FACE', 'looking_away', 0, 12, 1);
  assert.deepEqual(summary(run('LOW', away).alerts), []);
  const on = [{ rule: 'looking_away', enabled: true, weight: null, threshold: null, persistSeconds: null }];
  assert.deepEqual(summary(run('LOW', away, on).alerts), [['looking_away', 'OPENED', 8, 'MEDIUM']]);
});

test('risk: full weight while an alert is open, halving every 2 minutes after, at most once a second', () => {
  const scores = [
    ...seconds('FACE', 'no_face', 0, 11, 1),
    ...seconds('FACE', 'no_face', 12, 20, 0),
    score('FACE', 'no_face', 132, 0),
  ];
  const { risks } = run('STANDARD', scores);
  const at = (second: number) => risks.find((risk) => risk.captureTime === t0 + second * 1000)!;
  assert.equal(at(0).riskScore, 0);
  assert.equal(at(10).riskScore, 30);
  assert.equal(at(10).level, 'MEDIUM');
  assert.deepEqual(at(10).contributions, [{ rule: 'no_face', points: 30 }]);
  // Closed at 12 s (clear since), 2 minutes later: half.
  assert.equal(at(132).riskScore, 15);
  assert.equal(at(132).level, 'LOW');
  const quarterSeconds = Array.from({ length: 13 }, (_, index) => score('FACE', 'no_face', index / 4, 0));
  assert.deepEqual(
    run('STANDARD', quarterSeconds).risks.map((risk) => (risk.captureTime - t0) / 1000),
    [0, 1, 2, 3],
  );
});

test('replayed scores are ignored; the same scores give the same alert ids', () => {
  const scores = seconds('FACE', 'no_face', 0, 11, 1);
  const once = run('STANDARD', scores).alerts;
  const twice = run('STANDARD', [...scores, ...scores]).alerts;
  assert.deepEqual(twice, once);
});

test('an ended session closes its open alerts; scores that arrive later count up to the end', () => {
  const rules = rulesFor(undefined);
  const session = newSessionRisk('exam-1', 'candidate-1');
  for (const each of seconds('FACE', 'no_face', 0, 11, 1)) applyScore(session, each, rules, options);
  const ended = endSession(session, 'session-1', t0 + 12_000, rules, options);
  assert.deepEqual(summary(ended.alerts), [['no_face', 'CLOSED', 12, 'HIGH']]);
  assert.match(ended.alerts[0]!.description, /until the session ended/);
  // The slower object detector's scores of the exam's last seconds come after the end.
  const late = [0, 2, 4].map((second) => score('OBJECT', 'phone_visible', second, 0.9));
  const alerts = late.flatMap((each) => applyScore(session, each, rules, options).alerts);
  assert.deepEqual(summary(alerts), [
    ['phone_visible', 'OPENED', 2, 'HIGH'],
    ['phone_visible', 'CLOSED', 12, 'HIGH'],
  ]);
});

test('a client silent past the heartbeat timeout is disconnected once, until it is heard from again', () => {
  const rules = rulesFor(undefined);
  const session = newSessionRisk('exam-1', 'candidate-1');
  const heartbeat = (seq: number, second: number) =>
    heardFrom(session, 'session-1', { seq, captureTime: t0 + second * 1000 }, t0 + second * 1000 + 30, rules, options);
  heartbeat(1, 0);
  heartbeat(2, 5);
  assert.deepEqual(checkSilence(session, 'session-1', t0 + 25_000, rules, options).alerts, [], 'silent 20 s: not yet');
  const opened = checkSilence(session, 'session-1', t0 + 26_000, rules, options);
  // On the client's clock: its last capture time plus the silence since that event reached Kafka.
  assert.deepEqual(summary(opened.alerts), [['client_disconnected', 'OPENED', 25.97, 'MEDIUM']]);
  assert.equal(opened.alerts[0]!.alertId, alertIdOf('session-1', 'client_disconnected', 2));
  assert.equal(opened.risks[0]!.riskScore, 15);
  assert.deepEqual(checkSilence(session, 'session-1', t0 + 40_000, rules, options).alerts, [], 'opened once');
  assert.deepEqual(heartbeat(2, 5).alerts, [], 'a replayed event says nothing');
  const closed = heartbeat(3, 61);
  assert.deepEqual(summary(closed.alerts), [['client_disconnected', 'CLOSED', 61, 'MEDIUM']]);
  assert.equal(closed.alerts[0]!.description, 'No word from the desktop client for 56 s');
  endSession(session, 'session-1', t0 + 62_000, rules, options);
  assert.deepEqual(checkSilence(session, 'session-1', t0 + 200_000, rules, options).alerts, [], 'ended: never');
});

test('every rule at every level: just short of its trigger no alert, at its trigger exactly one', () => {
  const levels: SurveillanceLevel[] = ['LOW', 'STANDARD', 'STRICT'];
  for (const level of levels) {
    for (const rule of rulesFor(examPolicy('exam-1', { surveillanceLevel: level }))) {
      const { trigger } = rule;
      const sample = (second: number, present: boolean) =>
        score(rule.detector, rule.signal, second, present ? 1 : 0, {
          measurements: { speechSeconds: present ? 1 : 0 },
        });
      const scoresOf = (presence: boolean[]) => presence.map((present, second) => sample(second, present));
      const times = (count: number, present = true) => Array.from({ length: count }, () => present);
      const [short, enough] =
        trigger.kind === 'persists'
          ? [times(trigger.seconds), times(trigger.seconds + 1)]
          : trigger.kind === 'ofLast'
            ? [[...times(trigger.count - 1), ...times(trigger.of - trigger.count + 1, false)], times(trigger.count)]
            : trigger.kind === 'consecutive'
              ? [[...times(trigger.count - 1), false, ...times(trigger.count - 1)], times(trigger.count)]
              : trigger.kind === 'amountWithin'
                ? [times(trigger.seconds - 1), times(trigger.seconds)]
                : [[false], [true]];
      const opened = (presence: boolean[]) =>
        run(level, scoresOf(presence)).alerts.filter((alert) => alert.action === 'OPENED' && alert.rule === rule.name);
      assert.equal(opened(short).length, 0, `${level} ${rule.name}: short of ${JSON.stringify(trigger)}`);
      assert.equal(opened(enough).length, 1, `${level} ${rule.name}: ${JSON.stringify(trigger)}`);
    }
  }
});
