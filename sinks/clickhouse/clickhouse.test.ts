import assert from 'node:assert/strict';
import test from 'node:test';
import { signal, type DetectorScore } from '@proctoflex/core';
import { alertRows, processRows, riskRows, signalRows } from './rows.ts';

test('a score becomes one row per signal, times split into UTC seconds and milliseconds', () => {
  const score: DetectorScore = {
    sessionId: 's',
    examId: 'e',
    candidateId: 'c',
    sourceTopic: 'proctor.frames.v1',
    sourceSeq: 42,
    captureTime: Date.UTC(2026, 10, 24, 23, 59, 59, 987),
    processedTime: Date.UTC(2026, 10, 25, 0, 0, 0, 120),
    detector: 'FACE',
    modelVersion: 'face.onnx@abc',
    signals: [
      signal('no_face', 0, { measurements: { faceCount: 1 } }),
      signal('looking_away', 0.7, { measurements: { yawDegrees: 33, pitchDegrees: 2 } }),
    ],
  };
  const rows = signalRows(score);
  assert.equal(rows.length, 2);
  assert.deepEqual(
    [rows[1]!.capture_date, rows[1]!.capture_time, rows[1]!.capture_ms, rows[1]!.processed_ms],
    ['2026-11-24', Date.UTC(2026, 10, 24, 23, 59, 59) / 1000, 987, 120],
  );
  assert.deepEqual([rows[1]!.signal, rows[1]!.score, rows[1]!.source_seq], ['looking_away', 0.7, 42]);
  assert.deepEqual(rows[1]!.measurement_names, ['yawDegrees', 'pitchDegrees']);
  assert.deepEqual(rows[1]!.measurement_values, [33, 2]);
});

test('risk contributions, alert end times and process snapshots become plain columns', () => {
  const at = Date.UTC(2026, 10, 24, 10, 0, 0, 250);
  const [risk] = riskRows({
    sessionId: 's',
    examId: 'e',
    candidateId: 'c',
    riskScore: 42.5,
    level: 'MEDIUM',
    captureTime: at,
    computedTime: at + 80,
    contributions: [
      { rule: 'phone_visible', points: 30 },
      { rule: 'speech', points: 12.5 },
    ],
  });
  assert.deepEqual(
    [risk!.contribution_rules, risk!.contribution_points, risk!.computed_ms],
    [['phone_visible', 'speech'], [30, 12.5], 330],
  );

  const alert = {
    alertId: 'a',
    sessionId: 's',
    examId: 'e',
    candidateId: 'c',
    rule: 'no_face',
    action: 'OPENED' as const,
    revision: 0,
    severity: 'HIGH' as const,
    description: 'No face visible for 10 s',
    startSeq: 3,
    startTime: at,
    eventTime: at + 10_000,
    endTime: null,
    evidence: [],
    scores: [],
  };
  assert.equal(alertRows(alert)[0]!.end_time, null);
  assert.equal(
    alertRows({ ...alert, action: 'CLOSED', endTime: at + 20_000 })[0]!.end_time,
    Math.floor((at + 20_000) / 1000),
  );

  const [snapshot] = processRows({
    sessionId: 's',
    examId: 'e',
    candidateId: 'c',
    seq: 9,
    captureTime: at,
    platform: 'linux',
    processes: [
      { pid: 1, name: 'systemd', executablePath: null },
      { pid: 2, name: 'Discord', executablePath: '/usr/share/discord/Discord' },
    ],
    foregroundApp: 'Discord',
    foregroundWindowTitle: null,
    browserDomains: ['exam.proctoflex.dev'],
    displays: [
      { id: '1', width: 1920, height: 1080, primary: true },
      { id: '2', width: 1280, height: 1024, primary: false },
    ],
    virtualMachineHints: [],
  });
  assert.deepEqual(
    [snapshot!.capture_date, snapshot!.process_names, snapshot!.display_count],
    ['2026-11-24', ['systemd', 'Discord'], 2],
  );
});
