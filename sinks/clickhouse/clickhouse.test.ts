import assert from 'node:assert/strict';
import test from 'node:test';
import { signal, type DetectorScore } from '@proctoflex/core';
import { signalRows } from './rows.ts';

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
