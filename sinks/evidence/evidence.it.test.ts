import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type TestContext } from 'node:test';
import ffmpeg from 'fluent-ffmpeg';
import sharp from 'sharp';
import {
  decryptEvidence,
  EvidenceDecryptError,
  LocalEvidenceStore,
  type AlertEvent,
  type FrameCaptured,
} from '@proctoflex/core';
import { createTestDatabase, eventually, testKafka, uniqueName } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { scriptedExam } from '@proctoflex/ingest/sim';

const kafka = testKafka();

interface ScreenPictureRow {
  session_id: string;
  seq: string;
  capture_time: Date;
  width: number;
  height: number;
  byte_size: number;
  storage_key: string;
}

interface EvidenceRow {
  alert_id: string;
  kind: string;
  storage_key: string;
  content_type: string;
  byte_size: number;
  frame_count: number;
  audio_ms: number;
}

function opened(
  claims: { sessionId: string; examId: string; candidateId: string },
  rule: string,
  eventTime: number,
  evidenceTopic: string,
): AlertEvent {
  return {
    alertId: uniqueName('alert'),
    ...claims,
    rule,
    action: 'OPENED',
    revision: 0,
    severity: 'HIGH',
    description: `${rule} for 3 s`,
    startSeq: 1,
    startTime: eventTime - 3000,
    eventTime,
    endTime: null,
    evidence: [{ topic: evidenceTopic, seq: 1, captureTime: eventTime }],
    scores: [],
  };
}

function probe(file: string): Promise<ffmpeg.FfprobeData> {
  return new Promise((resolve, reject) =>
    ffmpeg.ffprobe(file, (error: Error | null, data) => (error ? reject(error) : resolve(data))),
  );
}

/** Topics, a database and an evidence directory of the test's own; `rows` lists what the sink recorded. */
async function evidenceSetUp(t: TestContext) {
  const pipeline = await TestPipeline.create(kafka, 'it.evidence');
  t.after(() => pipeline.close());
  const database = await createTestDatabase('it_evidence');
  t.after(() => database.drop());
  const directory = await mkdtemp(path.join(tmpdir(), 'it-evidence-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const key = randomBytes(32);
  const env = {
    DATABASE_URL: database.url,
    EVIDENCE_DIR: directory,
    EVIDENCE_KEY: key.toString('base64'),
    EVIDENCE_BUFFER_MS: '15000',
  };
  const rows = async () =>
    (await database.pool.query<EvidenceRow>('SELECT * FROM alert_evidence ORDER BY alert_id, kind')).rows;
  /** Waits up to a minute for `count` rows. */
  const rowsWhen = async (count: number) => {
    const deadline = Date.now() + 60_000;
    while ((await rows()).length < count && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 500));
    return rows();
  };
  const screenPictures = async () =>
    (await database.pool.query<ScreenPictureRow>('SELECT * FROM screen_pictures ORDER BY session_id, seq')).rows;
  return { pipeline, database, directory, key, env, rows, rowsWhen, screenPictures };
}

/** The screen pictures among `records`. */
const screensOf = (records: readonly { kind: string; record: unknown }[]) =>
  records
    .filter(({ kind, record }) => kind === 'FRAME' && (record as FrameCaptured).source === 'SCREEN')
    .map(({ record }) => record as FrameCaptured);

/** Webcam frames of `records` captured within 5 s of `moment`: what an alert's evidence holds. */
const framesAround = (records: readonly { kind: string; record: unknown }[], moment: number) =>
  records.filter(
    ({ kind, record }) =>
      kind === 'FRAME' &&
      (record as FrameCaptured).source === 'WEBCAM' &&
      Math.abs((record as FrameCaptured).captureTime - moment) <= 5000,
  ).length;

test('an opened alert gets a sealed strip, thumbnail and clip of the frames and audio around it, every screen picture is sealed as sent; a replay adds nothing', async (t) => {
  const { pipeline, directory, key, env, rows, rowsWhen, screenPictures } = await evidenceSetUp(t);

  // 40 s of two candidates: a webcam frame every 2 s, a second of audio every second, a screen every 10 s.
  const examId = uniqueName('exam');
  const { startTime, candidates } = await scriptedExam(examId, ['phone', 'honest'], 40);
  for (const { records } of candidates) await pipeline.produceSession(records);
  // A screen picture in the topic twice (sent again after a gateway restart): one batch takes both.
  await pipeline.produce('FRAMES_TOPIC', [screensOf(candidates[0]!.records)[0]!]);
  const [phone, honest] = candidates.map(({ claims }) => claims);
  // The phone is in view from 20 s; the honest candidate's alert (about a process) opens so late
  // that its window outlasts the session: sealed once due, with what arrived.
  const phoneAlert = opened(phone!, 'phone_visible', startTime + 30_000, pipeline.topics.FRAMES_TOPIC);
  const lateAlert = opened(honest!, 'forbidden_app', startTime + 37_000, pipeline.topics.PROCESS_TOPIC);
  await pipeline.produce('ALERTS_TOPIC', [phoneAlert, lateAlert]);

  const sink = await pipeline.processAll('evidence-sink', env);
  await pipeline.caughtUp(sink, 'FRAMES_TOPIC');
  const written = await rowsWhen(6);
  assert.deepEqual(
    written.map(({ alert_id, kind }) => `${alert_id === phoneAlert.alertId ? 'phone' : 'late'}/${kind}`).sort(),
    ['late/clip', 'late/strip', 'late/thumbnail', 'phone/clip', 'phone/strip', 'phone/thumbnail'],
  );
  const store = new LocalEvidenceStore(directory);
  const open = async (row: { storage_key: string }) =>
    decryptEvidence(key, row.storage_key, await store.get(row.storage_key));
  const phoneRows = new Map(written.filter((row) => row.alert_id === phoneAlert.alertId).map((row) => [row.kind, row]));

  const phoneFrames = framesAround(candidates[0]!.records, phoneAlert.eventTime);
  const strip = await sharp(await open(phoneRows.get('strip')!)).metadata();
  assert.equal(strip.format, 'jpeg');
  assert.equal(strip.height, 120);
  assert.ok(strip.width >= 120 * phoneFrames, `${phoneFrames} frames side by side (${strip.width} px)`);
  const thumbnail = await sharp(await open(phoneRows.get('thumbnail')!)).metadata();
  assert.deepEqual([thumbnail.format, thumbnail.width], ['jpeg', 320]);

  const clipRow = phoneRows.get('clip')!;
  const clip = await open(clipRow);
  assert.equal(clip.length, clipRow.byte_size);
  assert.equal(clipRow.frame_count, phoneFrames);
  assert.ok(clipRow.audio_ms >= 8000, `audio of the window (${clipRow.audio_ms} ms)`);
  const clipFile = path.join(directory, 'clip.mp4');
  await writeFile(clipFile, clip);
  const { streams, format } = await probe(clipFile);
  assert.match(format.format_name ?? '', /mp4/);
  assert.deepEqual(streams.map(({ codec_name }) => codec_name).sort(), ['aac', 'h264']);
  assert.ok(Math.abs(Number(format.duration) - 10) <= 2, `about 10 s (${format.duration} s)`);

  // The key is what opens it: another key, or a file moved under another name, is refused.
  const sealed = await store.get(clipRow.storage_key);
  assert.throws(() => decryptEvidence(randomBytes(32), clipRow.storage_key, sealed), EvidenceDecryptError);
  assert.throws(() => decryptEvidence(key, phoneRows.get('strip')!.storage_key, sealed), /failed authentication/);
  assert.ok(!sealed.includes(clip.subarray(0, 64)), 'nothing of the clip in the clear');

  // Every picture of the screen, listed with its session and time, opens to the JPEG the client sent.
  const sent = new Map(
    candidates.flatMap(({ records }) => screensOf(records)).map((frame) => [`${frame.sessionId}/${frame.seq}`, frame]),
  );
  assert.equal(sent.size, 8, 'four screen pictures of each candidate');
  const pictures = await screenPictures();
  assert.deepEqual(pictures.map(({ session_id, seq }) => `${session_id}/${seq}`).sort(), [...sent.keys()].sort());
  for (const picture of pictures) {
    const frame = sent.get(`${picture.session_id}/${picture.seq}`)!;
    assert.ok((await open(picture)).equals(frame.jpeg), 'the JPEG as sent');
    assert.ok(!(await store.get(picture.storage_key)).includes(frame.jpeg.subarray(0, 64)), 'nothing in the clear');
    assert.deepEqual(
      [picture.capture_time.getTime(), picture.width, picture.height, picture.byte_size],
      [frame.captureTime, frame.width, frame.height, frame.jpeg.length],
    );
  }

  // A second sink of its own group replays everything: the same six files, sealed again.
  const replay = await pipeline.processAll('evidence-sink', env);
  await pipeline.caughtUp(replay, 'FRAMES_TOPIC');
  assert.equal((await rows()).length, 6);
  assert.equal((await screenPictures()).length, sent.size);
  assert.equal((await sharp(await open(phoneRows.get('thumbnail')!)).metadata()).width, 320);
});

test('an alert that comes after its frames left memory gets them read back from Kafka', async (t) => {
  const { pipeline, env, rowsWhen } = await evidenceSetUp(t);
  const { startTime, candidates } = await scriptedExam(uniqueName('exam'), ['phone'], 60);
  await pipeline.produceSession(candidates[0]!.records);
  // The sink holds the last 15 s: once it has read all 60 s, the frames of second 25 are gone.
  const sink = await pipeline.processAll('evidence-sink', env);
  await pipeline.caughtUp(sink, 'AUDIO_TOPIC');
  const alert = opened(candidates[0]!.claims, 'phone_visible', startTime + 25_000, pipeline.topics.FRAMES_TOPIC);
  await pipeline.produce('ALERTS_TOPIC', [alert]);

  const clip = (await rowsWhen(3)).find((row) => row.kind === 'clip');
  assert.ok(clip, 'a clip sealed');
  assert.equal(clip.frame_count, framesAround(candidates[0]!.records, alert.eventTime));
  assert.ok(clip.audio_ms >= 8000, `audio of the window (${clip.audio_ms} ms)`);
});

test('audio read behind the frames waits to go into the clip', async (t) => {
  const { pipeline, env, rows, rowsWhen } = await evidenceSetUp(t);
  const { startTime, candidates } = await scriptedExam(uniqueName('exam'), ['phone'], 40);
  const { claims, records } = candidates[0]!;
  await pipeline.produceSession(records.filter(({ kind }) => kind !== 'AUDIO'));
  await pipeline.produce('ALERTS_TOPIC', [
    opened(claims, 'phone_visible', startTime + 30_000, pipeline.topics.FRAMES_TOPIC),
  ]);
  const sink = await pipeline.processAll('evidence-sink', env);
  await pipeline.caughtUp(sink, 'FRAMES_TOPIC');
  await pipeline.caughtUp(sink, 'ALERTS_TOPIC');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal((await rows()).length, 0, 'nothing sealed while no audio was read');

  await pipeline.produceSession(records.filter(({ kind }) => kind === 'AUDIO'));
  const clip = (await rowsWhen(3)).find((row) => row.kind === 'clip');
  assert.ok(clip, 'a clip sealed');
  assert.ok(clip.audio_ms >= 8000, `audio of the window (${clip.audio_ms} ms)`);
});

test('an erased session: the sink deletes what it sealed of it and seals nothing more, others keep theirs', async (t) => {
  const { pipeline, directory, env, rows, rowsWhen, screenPictures } = await evidenceSetUp(t);
  const { startTime, candidates } = await scriptedExam(uniqueName('exam'), ['phone', 'honest'], 40);
  for (const { records } of candidates) await pipeline.produceSession(records);
  const [phone, honest] = candidates.map(({ claims }) => claims);
  await pipeline.produce('ALERTS_TOPIC', [
    opened(phone!, 'phone_visible', startTime + 30_000, pipeline.topics.FRAMES_TOPIC),
    opened(honest!, 'forbidden_app', startTime + 20_000, pipeline.topics.PROCESS_TOPIC),
  ]);
  await pipeline.processAll('evidence-sink', env);
  assert.equal((await rowsWhen(6)).length, 6);

  // An alert whose window outlasts the session waits to be sealed once due; the erasure comes first.
  await pipeline.produce('ALERTS_TOPIC', [
    opened(phone!, 'phone_visible', startTime + 38_000, pipeline.topics.FRAMES_TOPIC),
  ]);
  await pipeline.produce('SESSION_STATUS_TOPIC', [
    { sessionId: phone!.sessionId, status: 'ERASED', endedTime: Date.now() },
  ]);
  assert.equal(new Set((await screenPictures()).map(({ session_id }) => session_id)).size, 2, 'screens of both');
  await eventually('the erased session has no evidence rows left', async () =>
    [...(await rows()), ...(await screenPictures())].every(
      ({ storage_key }) => storage_key.split('/')[1] === honest!.sessionId,
    ),
  );
  // Long enough for the pending capture to have come due, had it not been dropped.
  await new Promise((resolve) => setTimeout(resolve, 2 * Number(env.EVIDENCE_BUFFER_MS)));

  const left = await rows();
  assert.deepEqual(
    left.map(({ storage_key }) => storage_key.split('/')[1]),
    Array(3).fill(honest!.sessionId),
    "only the other candidate's rows",
  );
  const files = await readdir(directory, { recursive: true, withFileTypes: true });
  assert.deepEqual(
    files
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
      .sort(),
    [...left, ...(await screenPictures())].map(({ storage_key }) => storage_key).sort(),
    'no file of the erased session',
  );
});
