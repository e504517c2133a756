import assert from 'node:assert/strict';
import test from 'node:test';
import { type AudioChunk, type DeadLetter, type DetectorScore, type IngestClaims } from '@proctoflex/core';
import { testKafka, uniqueName } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { SessionRecords } from '@proctoflex/ingest';
import { misbehaving, scriptedExam, simulatedMedia } from '@proctoflex/ingest/sim';

const kafka = testKafka();
const examSeconds = 50;
const signalOf = (score: DetectorScore, name: string) => score.signals.find((signal) => signal.name === name)!;

test('speech is heard while a scripted candidate talks, never from an honest one; bad chunks go to the DLQ', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.voice');
  t.after(() => pipeline.close());
  const { startTime, candidates } = await scriptedExam('exam-voice', ['honest', 'talks'], examSeconds);
  for (const { records } of candidates) await pipeline.produceSession(records);
  const [honest, talks] = candidates.map(({ claims }) => claims) as [IngestClaims, IngestClaims];
  const claimsOf = (candidateId: string) => ({ sessionId: uniqueName('session'), examId: 'exam-voice', candidateId });

  // The same 6 s of speech in 1 s chunks and in 0.25 s chunks: the model hears one stream either way.
  const speech = Buffer.concat((await simulatedMedia()).sounds.speech.slice(0, 6));
  const whole = new SessionRecords(claimsOf('whole'));
  const quarters = new SessionRecords(claimsOf('quarters'));
  const split = (records: SessionRecords, bytes: number) =>
    Array.from(
      { length: speech.length / bytes },
      (_, index) => records.audio(speech.subarray(index * bytes, (index + 1) * bytes)).record,
    );
  const wholeChunks = split(whole, 32_000);
  const quarterChunks = split(quarters, 8_000);
  // A chunk sent again after a reconnect is heard once; an empty or odd one cannot be heard.
  const bad = new SessionRecords(claimsOf('bad'));
  const empty = bad.audio(Buffer.alloc(0)).record;
  const odd = bad.audio(Buffer.alloc(3)).record;
  await pipeline.produce('AUDIO_TOPIC', [...wholeChunks, wholeChunks[2]!, ...quarterChunks, empty, odd]);

  await pipeline.processAll('voice');
  const scores = await pipeline.read<DetectorScore>('SCORES_TOPIC');
  const sessionScores = (sessionId: string) => scores.filter((score) => score.sessionId === sessionId);

  assert.equal(sessionScores(honest.sessionId).length, examSeconds);
  assert.deepEqual(
    sessionScores(honest.sessionId).filter((score) => signalOf(score, 'speech').score >= 0.5),
    [],
    'an honest candidate is quiet',
  );
  const talking = sessionScores(talks.sessionId);
  const inWindow = (score: DetectorScore) => misbehaving('talks', (score.captureTime - startTime) / 1000);
  const heard = talking.filter((score) => signalOf(score, 'speech').score >= 0.5);
  // A chunk's last samples are heard with the next chunk (windows are 32 ms): speech may end a second late.
  const talkingOrJustDone = (score: DetectorScore) =>
    inWindow(score) || misbehaving('talks', (score.captureTime - startTime) / 1000 - 1);
  assert.ok(heard.every(talkingOrJustDone), 'speech only while the candidate talks');
  const spokenSeconds = talking
    .filter(inWindow)
    .reduce((sum, score) => sum + signalOf(score, 'speech').measurements.speechSeconds!, 0);
  assert.ok(spokenSeconds >= 10, `heard ${spokenSeconds} s of speech in the 20 s window`);
  assert.ok(
    scores.every((score) => signalOf(score, 'loud_noise').score < 0.5),
    'nothing is loud',
  );

  // In milliseconds, so that sums of 32 ms windows compare exactly.
  const total = (sessionId: string) =>
    sessionScores(sessionId).reduce(
      (sum, score) => sum + Math.round(signalOf(score, 'speech').measurements.speechSeconds! * 1000),
      0,
    );
  assert.equal(sessionScores(whole.claims.sessionId).length, wholeChunks.length, 'the replayed chunk is dropped');
  assert.ok(total(whole.claims.sessionId) > 3000);
  assert.equal(
    total(quarters.claims.sessionId),
    total(whole.claims.sessionId),
    'chunking does not change what is heard',
  );

  const deadLetters = await pipeline.read<DeadLetter>('DLQ_TOPIC');
  const reasons = deadLetters.map((letter) => letter.error).sort();
  assert.deepEqual(reasons, [
    `audio chunk ${empty.seq} is empty`,
    `audio chunk ${odd.seq} has 3 bytes: not whole 16-bit samples`,
  ]);
  const stored = await pipeline.read<AudioChunk>('AUDIO_TOPIC');
  assert.equal(
    scores.length + deadLetters.length + 1,
    stored.length,
    'every chunk is scored, dead-lettered or a replay',
  );
});
