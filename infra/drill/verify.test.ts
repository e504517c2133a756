import assert from 'node:assert/strict';
import test from 'node:test';
import {
  checkAlerts,
  checkAlertsInPostgres,
  checkClickHouse,
  checkIngest,
  checkScores,
  expectedClickHouseRows,
  type DrillRecords,
} from './verify.ts';

/** One session as the simulator sends it: STARTED 0, enrolment 1, frames 2..7, audio 8..9, a snapshot 10, ENDED 11. */
function session(id = 's1') {
  const frames = [
    { sessionId: id, seq: 1, source: 'WEBCAM' as const, enrolment: true },
    ...[2, 3, 4, 5, 6, 7].map((seq) => ({ sessionId: id, seq, source: 'WEBCAM' as const, enrolment: false })),
  ];
  const audio = [8, 9].map((seq) => ({ sessionId: id, seq }));
  const processes = [{ sessionId: id, seq: 10 }];
  const sessions = [
    { sessionId: id, seq: 0, type: 'STARTED' as const },
    { sessionId: id, seq: 11, type: 'ENDED' as const },
  ];
  return { frames, audio, processes, sessions };
}

const score = (detector: 'FACE' | 'OBJECT' | 'VOICE' | 'APP_POLICY', sessionId: string, sourceSeq: number) => ({
  detector,
  sessionId,
  sourceSeq,
  signals: [{ name: 'x', score: 0, measurements: {}, labels: [], boxes: [] }],
});

/** Scores exactly as owed with the object processor on every 3rd frame: frames 2 and 5. */
function scored(input: ReturnType<typeof session>): DrillRecords['scores'] {
  return [
    ...input.frames.map((frame) => score('FACE', frame.sessionId, frame.seq)),
    score('OBJECT', 's1', 2),
    score('OBJECT', 's1', 5),
    ...input.audio.map((chunk) => score('VOICE', chunk.sessionId, chunk.seq)),
    ...input.processes.map((snapshot) => score('APP_POLICY', snapshot.sessionId, snapshot.seq)),
  ];
}

const alert = (alertId: string, revision: number, action: 'OPENED' | 'UPDATED' | 'CLOSED', eventTime: number) => ({
  alertId,
  sessionId: 's1',
  rule: 'no_face',
  action,
  revision,
  eventTime,
});

function records(overrides: Partial<DrillRecords> = {}): DrillRecords {
  const input = session();
  return { ...input, scores: scored(input), risk: [], alerts: [], ...overrides };
}

test('a whole session scored as owed passes every check', () => {
  assert.deepEqual(checkIngest(records()), []);
  assert.deepEqual(checkScores(records(), 3), []);
});

test('ingest: a lost record and a missing ENDED are found; a replayed one is not a loss', () => {
  const input = session();
  assert.match(
    checkIngest(records({ audio: input.audio.slice(1) })).join('\n'),
    /^ingest: session s1 lost seq 8 \(1 of 12\)$/,
  );
  assert.match(checkIngest(records({ sessions: input.sessions.slice(0, 1) })).join('\n'), /has 0 ENDED events/);
  assert.deepEqual(checkIngest(records({ audio: [...input.audio, input.audio[0]!] })), []);
});

test('scores: a lost and a duplicated score are found; a replayed input is owed a second score', () => {
  const input = session();
  const all = scored(input);
  assert.match(
    checkScores(records({ scores: all.slice(1) }), 3).join('\n'),
    /FACE\/s1\/1 scored 0 times, owed 1 \(lost\)/,
  );
  assert.match(
    checkScores(records({ scores: [...all, score('VOICE', 's1', 8)] }), 3).join('\n'),
    /VOICE\/s1\/8 scored 2 times, owed 1 \(duplicated\)/,
  );
  // Frame 3 replayed after frame 7 is the object processor's 7th frame of the session: owed a score again.
  const replayed = records({ frames: [...input.frames, input.frames[2]!] });
  assert.match(checkScores(replayed, 3).join('\n'), /FACE\/s1\/3 scored 1 times, owed 2 \(lost\)/);
  const rescored = [...all, score('FACE', 's1', 3), score('OBJECT', 's1', 3)];
  assert.deepEqual(checkScores({ ...replayed, scores: rescored }, 3), []);
  // A replayed audio chunk is not heard again.
  assert.deepEqual(checkScores(records({ audio: [...input.audio, input.audio[0]!] }), 3), []);
  // Every frame scored by the object processor when it should take every 3rd.
  assert.match(checkScores(records({ scores: [...all, score('OBJECT', 's1', 3)] }), 3).join('\n'), /OBJECT\/s1\/3/);
});

test('alerts: a duplicated or missing revision, and a second alert while one is open, are found', () => {
  const whole = [alert('a', 0, 'OPENED', 1000), alert('a', 1, 'UPDATED', 2000), alert('a', 2, 'CLOSED', 3000)];
  assert.deepEqual(checkAlerts(whole), []);
  assert.match(checkAlerts([...whole, whole[1]!]).join('\n'), /alert a has revision 1 twice/);
  assert.match(checkAlerts([whole[0]!, whole[2]!]).join('\n'), /revisions 0, 2 \(a gap: lost\)/);
  assert.match(checkAlerts(whole.slice(1)).join('\n'), /begins with UPDATED revision 1/);
  const reopened = [whole[0]!, alert('b', 0, 'OPENED', 1500)];
  assert.match(checkAlerts(reopened).join('\n'), /alert b opened while a was still open/);
  assert.deepEqual(checkAlerts([...whole, alert('b', 0, 'OPENED', 3000)]), []);
});

test('postgres: alerts and history must equal Kafka at the newest revision, once each', () => {
  const alerts = [alert('a', 0, 'OPENED', 1000), alert('a', 1, 'CLOSED', 2000)];
  const history = [
    { alert_id: 'a', revision: 0 },
    { alert_id: 'a', revision: 1 },
  ];
  assert.deepEqual(checkAlertsInPostgres(alerts, [{ id: 'a', revision: 1, state: 'closed' }], history), []);
  assert.match(checkAlertsInPostgres(alerts, [], history).join('\n'), /alert a missing \(lost\)/);
  assert.match(
    checkAlertsInPostgres(alerts, [{ id: 'a', revision: 0, state: 'open' }], history).join('\n'),
    /at revision 0, Kafka has 1/,
  );
  assert.match(
    checkAlertsInPostgres(alerts, [{ id: 'a', revision: 1, state: 'closed' }], [...history, history[0]!]).join('\n'),
    /history a\/0 written 2 times/,
  );
  assert.match(
    checkAlertsInPostgres(alerts, [{ id: 'a', revision: 1, state: 'closed' }], history.slice(1)).join('\n'),
    /history a\/0 missing/,
  );
});

test('clickhouse: rows are counted once per record identity, so a replayed record is owed one row', () => {
  const input = session();
  const expected = expectedClickHouseRows(
    records({ sessions: [...input.sessions, input.sessions[0]!], alerts: [alert('a', 0, 'OPENED', 1)] }),
  );
  assert.equal(expected.session_events, 2);
  assert.equal(expected.signals, scored(input).length);
  assert.equal(expected.alert_events, 1);
  assert.deepEqual(checkClickHouse(expected, expected), []);
  assert.match(
    checkClickHouse(expected, { ...expected, session_events: 3 }).join('\n'),
    /session_events has 3 rows, the topic 2 \(duplicated\)/,
  );
});
