import { randomUUID } from 'node:crypto';
import { type RecordKind, type IngestClaims } from '@proctoflex/core';
import { IngestClient, IngestClientError, type IngestStream } from '@proctoflex/ingest-client';
import { SessionRecords } from '../src/records.ts';
import { processesAt, sceneAt, screenAt, soundAt, type Behaviour } from './behaviours.ts';
import { frameSize, screenSize, simulatedMedia, type SimulatedMedia } from './media.ts';
import type { SimulationStats } from './stats.ts';

/**
 * What a desktop sends in second `tick` (1, 2, …) of its exam, `secondsIntoExam` in: 1 s of
 * audio, every 2 s a webcam frame, every 5 s a process snapshot and a heartbeat, every 10 s a
 * picture of the screen (an exam at the STANDARD level).
 */
export function recordsOfSecond(
  records: SessionRecords,
  behaviour: Behaviour,
  media: SimulatedMedia,
  tick: number,
  secondsIntoExam: number,
  captureTime: number,
): { kind: RecordKind; record: unknown }[] {
  const sounds = media.sounds[soundAt(behaviour, secondsIntoExam)];
  const batch: { kind: RecordKind; record: unknown }[] = [records.audio(sounds[tick % sounds.length]!, captureTime)];
  if (tick % 2 === 0) {
    const frames = media.frames[sceneAt(behaviour, secondsIntoExam)];
    batch.push(records.frame(frames[(tick / 2) % frames.length]!, frameSize, captureTime));
  }
  if (tick % 5 === 0) {
    const { processes, browserDomains } = processesAt(behaviour, secondsIntoExam);
    batch.push(records.processes(processes, browserDomains, captureTime), records.event('HEARTBEAT', captureTime));
  }
  if (tick % 10 === 0) {
    const screens = media.screens[screenAt(behaviour, secondsIntoExam)];
    batch.push(records.screen(screens[(tick / 10) % screens.length]!, screenSize, captureTime));
  }
  return batch;
}

/**
 * A whole exam of one candidate as its desktop sends it (STARTED, the enrolment frame, then every
 * second's records), with capture times from `startTime` on: the simulator's ground truth without
 * waiting for the exam to pass in real time.
 */
export function scriptedSession(
  claims: IngestClaims,
  behaviour: Behaviour,
  media: SimulatedMedia,
  durationSeconds: number,
  startTime: number,
): { kind: RecordKind; record: unknown }[] {
  const records = new SessionRecords(claims);
  const session: { kind: RecordKind; record: unknown }[] = [
    records.event('STARTED', startTime),
    records.frame(media.frames.candidate[0]!, frameSize, startTime, true),
  ];
  for (let tick = 1; tick <= durationSeconds; tick += 1) {
    session.push(...recordsOfSecond(records, behaviour, media, tick, tick, startTime + tick * 1000));
  }
  return [...session, records.event('ENDED', startTime + durationSeconds * 1000)];
}

/**
 * One candidate of `examId` per behaviour, each with a whole scripted exam (`scriptedSession`)
 * that started `durationSeconds` ago: a past exam whose ground truth is known, for tests.
 */
export async function scriptedExam(examId: string, behaviours: readonly Behaviour[], durationSeconds: number) {
  const media = await simulatedMedia();
  const startTime = Date.now() - durationSeconds * 1000;
  const candidates = behaviours.map((behaviour, index) => {
    const claims = { sessionId: randomUUID(), examId, candidateId: `${behaviour}-${index + 1}` };
    return { behaviour, claims, records: scriptedSession(claims, behaviour, media, durationSeconds, startTime) };
  });
  return { startTime, candidates };
}

interface PendingBatch {
  readonly batchId: number;
  readonly bytes: Buffer;
  readonly records: number;
}

/**
 * One candidate's desktop: every second the records of `recordsOfSecond` as one batch. Batches not acknowledged
 * (refused as retriable, or lost with the connection) are kept and uploaded over POST after a
 * reconnect, in order, as the desktop client does.
 */
export class SimulatedCandidate {
  private client: IngestClient | null = null;
  private stream: IngestStream | null = null;
  private readonly records: SessionRecords;
  private readonly unacked = new Map<number, PendingBatch>();
  private reconnecting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;
  startedAt = 0;

  constructor(
    readonly claims: IngestClaims,
    readonly behaviour: Behaviour,
    private readonly gatewayUrl: string,
    private readonly token: string,
    private readonly media: SimulatedMedia,
    private readonly stats: SimulationStats,
  ) {
    this.records = new SessionRecords(claims);
  }

  /** Connects, sends STARTED and the enrolment frame, then streams every second. */
  async start(): Promise<void> {
    this.client = await IngestClient.connect(this.gatewayUrl, this.token);
    this.stream = await this.client.stream();
    this.startedAt = Date.now();
    this.send([
      this.records.event('STARTED'),
      this.records.frame(this.media.frames.candidate[0]!, frameSize, Date.now(), true),
    ]);
    this.timer = setInterval(() => this.everySecond(), 1000);
  }

  /** Sends ENDED, waits until everything is acknowledged (or `timeoutMs` passed) and disconnects. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.send([this.records.event('ENDED')]);
    const deadline = Date.now() + timeoutMs;
    while (this.unacked.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await this.stream?.close();
  }

  private everySecond(): void {
    this.tick += 1;
    const seconds = (Date.now() - this.startedAt) / 1000;
    this.send(recordsOfSecond(this.records, this.behaviour, this.media, this.tick, seconds, Date.now()));
  }

  private send(records: { kind: RecordKind; record: unknown }[]): void {
    const { batchId, bytes } = this.client!.batch(records);
    const pending = { batchId, bytes, records: records.length };
    this.unacked.set(batchId, pending);
    this.stats.sent(records.length);
    // While reconnecting, new batches wait in `unacked` and go out with the upload.
    if (!this.reconnecting) this.streamBatch(pending);
  }

  private streamBatch(batch: PendingBatch): void {
    const sentAt = performance.now();
    this.stream!.send(batch).then(
      () => this.acknowledged(batch, sentAt),
      (error: unknown) => this.failed(batch, error),
    );
  }

  private acknowledged(batch: PendingBatch, sentAt: number): void {
    this.unacked.delete(batch.batchId);
    this.stats.ack(batch.records, batch.bytes.length, performance.now() - sentAt);
  }

  private failed(batch: PendingBatch, error: unknown): void {
    this.stats.refused(error instanceof IngestClientError ? error.reason : 'client_error');
    if (error instanceof IngestClientError && !error.retriable) {
      // A bug on our side: resending cannot help.
      this.unacked.delete(batch.batchId);
      return;
    }
    this.reconnecting ??= this.reconnect().finally(() => (this.reconnecting = null));
  }

  private oldestUnacked(): PendingBatch | undefined {
    return this.unacked.values().next().value;
  }

  /** Reopens the stream, then uploads what was not acknowledged, oldest first; retries every second. */
  private async reconnect(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      try {
        await this.stream?.close();
        this.stream = await this.client!.stream();
        // Until none is left: batches made during the upload join its end.
        for (let batch = this.oldestUnacked(); batch; batch = this.oldestUnacked()) {
          const sentAt = performance.now();
          await this.client!.post(batch);
          this.acknowledged(batch, sentAt);
        }
        this.stats.reconnected();
        return;
      } catch (error) {
        this.stats.refused(error instanceof IngestClientError ? error.reason : 'client_error');
      }
    }
  }
}
