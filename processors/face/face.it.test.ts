import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import sharp from 'sharp';
import { repoPath, type DeadLetter, type DetectorScore, type FrameCaptured, type Thumbnail } from '@proctoflex/core';
import { killStage, testKafka, uniqueName, waitUntil } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { SessionRecords } from '@proctoflex/ingest';
import { misbehaving, scriptedExam, sceneFrames, type Behaviour } from '@proctoflex/ingest/sim';

const kafka = testKafka();
const examSeconds = 50;

/** The score of `signal` in a face score, or undefined when the frame did not evaluate it. */
const scoreOf = (score: DetectorScore, signal: string) => score.signals.find(({ name }) => name === signal)?.score;

test('each scripted behaviour shows its face signal while it misbehaves, and an honest candidate none', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.face.sim');
  t.after(() => pipeline.close());
  const expected: Partial<Record<Behaviour, string>> = {
    honest: undefined,
    'looks-away': 'looking_away',
    'second-person': 'several_faces',
    leaves: 'no_face',
    impostor: 'identity_mismatch',
  };
  const { startTime, candidates } = await scriptedExam('exam-face', Object.keys(expected) as Behaviour[], examSeconds);
  for (const { records } of candidates) await pipeline.produceSession(records);
  await pipeline.processAll('face', { FACE_IDENTITY_INTERVAL_MS: '4000' });

  const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
  const webcam = (await pipeline.read<FrameCaptured>('FRAMES_TOPIC')).filter((frame) => frame.source === 'WEBCAM');
  const frames = webcam.filter((frame) => !frame.enrolment);
  assert.equal(
    scores.length,
    frames.length + candidates.length,
    'every webcam frame, enrolments included, is scored once; screens never',
  );
  const signals = ['no_face', 'several_faces', 'looking_away', 'identity_mismatch'];
  const thumbnails = await pipeline.read<Thumbnail>('THUMBNAILS_TOPIC');
  for (const { behaviour, claims } of candidates) {
    // The live wall's thumbnails: the first webcam frame, then the first 4 s (the default) after the last.
    const picked = webcam
      .filter((frame) => frame.sessionId === claims.sessionId)
      .map(({ captureTime }) => captureTime)
      .reduce<number[]>(
        (times, time) => (times.length === 0 || time - times.at(-1)! >= 4000 ? [...times, time] : times),
        [],
      );
    const sessionThumbnails = thumbnails.filter((thumbnail) => thumbnail.sessionId === claims.sessionId);
    assert.deepEqual(
      sessionThumbnails.map(({ captureTime }) => captureTime),
      picked,
      `${behaviour}: a thumbnail every 4 s`,
    );
    assert.ok(sessionThumbnails.length >= examSeconds / 5, `${behaviour}: ${sessionThumbnails.length} thumbnails`);
    for (const thumbnail of sessionThumbnails) {
      const { width, height, format } = await sharp(thumbnail.jpeg).metadata();
      assert.deepEqual({ width, height, format }, { width: thumbnail.width, height: thumbnail.height, format: 'jpeg' });
      assert.ok(
        Math.max(width, height) <= 160 && thumbnail.examId === claims.examId,
        `${behaviour}: a small JPEG of its exam`,
      );
    }

    const own = scores.filter((score) => score.sessionId === claims.sessionId && score.sourceSeq > 1);
    const inWindow = (score: DetectorScore) => misbehaving(behaviour, (score.captureTime - startTime) / 1000);
    for (const signal of signals) {
      const seen = own.filter((score) => (scoreOf(score, signal) ?? 0) >= 0.5);
      if (signal === expected[behaviour]) {
        const evaluated = own.filter((score) => inWindow(score) && scoreOf(score, signal) !== undefined);
        assert.ok(evaluated.length >= 2, `${behaviour}: ${signal} evaluated in its window`);
        assert.ok(
          evaluated.every((score) => scoreOf(score, signal)! >= 0.5),
          `${behaviour}: ${signal} on every frame of its window`,
        );
        assert.ok(seen.every(inWindow), `${behaviour}: ${signal} only while misbehaving`);
      } else {
        assert.deepEqual(
          seen.map((score) => score.sourceSeq),
          [],
          `${behaviour}: no ${signal}`,
        );
      }
    }
  }
});

/** A photo of models/fixtures as a webcam frame, `second` seconds into the session. */
function fixtureFrame(records: SessionRecords, file: string, second: number, enrolment = false) {
  const jpeg = readFileSync(repoPath(`models/fixtures/${file}`));
  return records.frame(jpeg, { width: 640, height: 480 }, Date.now() - 60_000 + second * 1000, enrolment).record;
}

test('identity: after an enrolment of person A, frames of B are mismatches and frames of A are not', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.face.identity');
  t.after(() => pipeline.close());
  const claims = { sessionId: uniqueName('session'), examId: 'exam-face', candidateId: 'franck' };
  const records = new SessionRecords(claims);
  const sameFiles = ['franck_02045.jpg', 'franck_02159.jpg', 'franck_02221.jpg'];
  const otherFiles = ['obama.jpg', 'audrey.jpg', 'cage.jpg'];
  const frames = [
    fixtureFrame(records, 'identity/franck_01829.jpg', 0, true),
    ...[...sameFiles, ...otherFiles].map((file, index) => fixtureFrame(records, `identity/${file}`, index + 1)),
  ];
  // A screen capture is evidence only, a corrupt JPEG cannot be read and a 1x1 one shows nothing
  // to judge: none of them stops the others.
  const screen: FrameCaptured = {
    ...records.frame(frames[1]!.jpeg, { width: 640, height: 480 }).record,
    source: 'SCREEN',
  };
  const corrupt = records.frame(randomBytes(2000), { width: 640, height: 480 }).record;
  const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  const tiny = records.frame(dot, { width: 1, height: 1 }).record;
  await pipeline.produce('FRAMES_TOPIC', [...frames, screen, corrupt, tiny]);
  // Every frame (a second apart) is compared with the enrolment.
  await pipeline.processAll('face', { FACE_IDENTITY_INTERVAL_MS: '1000' });

  const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
  assert.deepEqual(
    scores.map((score) => score.sourceSeq),
    frames.map((frame) => frame.seq),
    'the screen, corrupt and tiny frames are not scored',
  );
  const mismatchOf = (seq: number) =>
    scoreOf(
      scores.find((score) => score.sourceSeq === seq)!,
      'identity_mismatch',
    );
  assert.equal(mismatchOf(frames[0]!.seq), undefined, 'the enrolment is the reference');
  for (const frame of frames.slice(1, 1 + sameFiles.length))
    assert.ok(mismatchOf(frame.seq)! < 0.5, `A, seq ${frame.seq}`);
  for (const frame of frames.slice(1 + sameFiles.length))
    assert.ok(mismatchOf(frame.seq)! > 0.5, `B, seq ${frame.seq}`);

  const deadLetters = await pipeline.read<DeadLetter>('DLQ_TOPIC');
  assert.deepEqual(
    deadLetters.map(({ sourceOffset, errorType }) => [sourceOffset, errorType]),
    [
      [frames.length + 1, 'InvalidRecordError'],
      [frames.length + 2, 'InvalidRecordError'],
    ],
  );
  assert.match(deadLetters[0]!.error, /is not a decodable JPEG/);
  assert.match(deadLetters[1]!.error, /1x1 is smaller than the smallest webcam mode, 160x120/);
});

test('a camera on its side: faces are found and compared upright, an impostor is still one', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.face.rotated');
  t.after(() => pipeline.close());
  const claims = { sessionId: uniqueName('session'), examId: 'exam-face', candidateId: 'franck' };
  const records = new SessionRecords(claims);
  const files = ['franck_01829.jpg', 'franck_02045.jpg', 'franck_02159.jpg', 'franck_02221.jpg', 'obama.jpg'];
  const start = Date.now() - 60_000;
  const frames = await Promise.all(
    files.map(async (file, second) => {
      // Turned a quarter clockwise: 480x640, as a webcam mounted sideways delivers it.
      const jpeg = await sharp(readFileSync(repoPath(`models/fixtures/identity/${file}`)))
        .resize(640, 480, { fit: 'fill' })
        .rotate(90)
        .jpeg()
        .toBuffer();
      return records.frame(jpeg, { width: 480, height: 640 }, start + second * 1000, second === 0).record;
    }),
  );
  await pipeline.produce('FRAMES_TOPIC', frames);
  await pipeline.processAll('face', { FACE_IDENTITY_INTERVAL_MS: '1000' });

  const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
  assert.equal(scores.length, files.length);
  for (const score of scores) {
    assert.equal(scoreOf(score, 'no_face'), 0, `seq ${score.sourceSeq}: a face`);
    const rotation = score.signals.find(({ name }) => name === 'no_face')!.measurements.cameraRotationDegrees;
    assert.equal(rotation, 270, `seq ${score.sourceSeq}: read turned back a quarter`);
  }
  const mismatch = scores.slice(1).map((score) => scoreOf(score, 'identity_mismatch')! >= 0.5);
  assert.deepEqual(mismatch, [false, false, false, true], 'the same man three times, then another');
});

test('two face instances share the partitions; killing one loses no frame score', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.face.scale', 6);
  t.after(() => pipeline.close());
  const frames = await sceneFrames();
  const sessions = Array.from(
    { length: 24 },
    (_, index) =>
      new SessionRecords({
        sessionId: `session-${index}-${randomBytes(3).toString('hex')}`,
        examId: 'exam-face',
        candidateId: `candidate-${index}`,
      }),
  );
  const values = sessions.flatMap((records) =>
    Array.from({ length: 25 }, (_, index) => {
      const scene = index % 5 === 4 ? frames['two-people'] : frames.candidate;
      return records.frame(scene[index % scene.length]!, { width: 640, height: 480 }).record;
    }),
  );
  await pipeline.produce('FRAMES_TOPIC', values);

  const stageName = uniqueName('it-face-scale');
  const instances = ['one', 'two'].map(
    (id) => pipeline.spawnStage('face', { STAGE_BATCH_MAX_RECORDS: '8', STAGE_INSTANCE_ID: id }, stageName).process,
  );
  const ports = await Promise.all(instances.map((instance) => instance.started));
  const assigned = async (port: number) => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(/^stage_assigned_partitions\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  };
  await waitUntil(kafka, 'both instances to own partitions', async () => {
    const counts = await Promise.all(ports.map(assigned));
    return counts.every((count) => count > 0);
  });
  await waitUntil(
    kafka,
    'a quarter of the frames to be scored',
    async () => (await pipeline.read('SCORES_TOPIC')).length >= values.length / 4,
  );
  await killStage(instances[0]!);
  await pipeline.caughtUp(stageName, 'FRAMES_TOPIC');

  const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
  const scored = scores.map((score) => `${score.sessionId}/${score.sourceSeq}`);
  assert.equal(new Set(scored).size, scored.length, 'no frame is scored twice');
  assert.deepEqual(
    new Set(scored),
    new Set(values.map((frame) => `${frame.sessionId}/${frame.seq}`)),
    'every frame is scored',
  );
  const severalFaces = scores.filter((score) => scoreOf(score, 'several_faces')! >= 0.5).length;
  assert.equal(severalFaces, values.length / 5, 'the two-people frames, and only they, show several faces');
});

test('batch size changes no score: an impostor is confirmed the same way one frame at a time or 16', async (t) => {
  const { candidates } = await scriptedExam('exam-face', ['impostor'], 100);
  const scoresWithBatch = async (batch: string) => {
    const pipeline = await TestPipeline.create(kafka, 'it.face.batch');
    t.after(() => pipeline.close());
    await pipeline.produceSession(candidates[0]!.records);
    await pipeline.processAll('face', { STAGE_BATCH_MAX_RECORDS: batch });
    // Rounded: a model's float results move in the last digits with the batch it runs in.
    return (await pipeline.read<DetectorScore>('SCORES_TOPIC')).map(({ sourceSeq, signals }) => ({
      sourceSeq,
      signals: signals.map(({ name, score }) => `${name} ${score.toFixed(2)}`),
    }));
  };
  const [one, sixteen] = await Promise.all([scoresWithBatch('1'), scoresWithBatch('16')]);
  assert.deepEqual(one, sixteen);
  const mismatches = one.filter(({ signals }) => signals.includes('identity_mismatch 1.00'));
  assert.ok(mismatches.length >= 6, `${mismatches.length} mismatches: each window is confirmed frame by frame`);
});
