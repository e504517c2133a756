import type { AudioChunk, FrameCaptured } from '@proctoflex/core';

/** Records of one kind by seq, the newest `spanMs` of capture time. */
class RecentRecords<T extends { seq: number; captureTime: number }> {
  private readonly records = new Map<number, T>();
  /** Newest capture time seen (0: none yet). */
  newest = 0;
  /** Capture time of the first record held: what came before it (before a restart) was never seen. */
  private first: number | null = null;

  constructor(private readonly spanMs: number) {}

  /** From this capture time on, every record that arrived is held (Infinity: none arrived). */
  get coveredFrom(): number {
    return this.first === null ? Infinity : Math.max(this.first, this.newest - this.spanMs);
  }

  add(record: T): void {
    this.first ??= record.captureTime;
    if (record.captureTime < this.newest - this.spanMs) return;
    // Keyed by seq: a batch processed twice (a retried transaction) adds nothing.
    this.records.set(record.seq, record);
    if (record.captureTime <= this.newest) return;
    this.newest = record.captureTime;
    for (const [seq, { captureTime }] of this.records)
      if (captureTime < this.newest - this.spanMs) this.records.delete(seq);
  }

  /** Those captured in [from, to], oldest first. */
  between(from: number, to: number): T[] {
    return [...this.records.values()]
      .filter(({ captureTime }) => captureTime >= from && captureTime <= to)
      .sort((a, b) => a.seq - b.seq);
  }
}

/**
 * A session's recent frames and audio by capture time. Each kind keeps its own newest `spanMs`:
 * the frames and audio topics are read side by side, and one may run ahead of the other.
 */
export class SessionMedia {
  private readonly frames: RecentRecords<FrameCaptured>;
  private readonly audio: RecentRecords<AudioChunk>;

  constructor(spanMs: number) {
    this.frames = new RecentRecords(spanMs);
    this.audio = new RecentRecords(spanMs);
  }

  addFrame(frame: FrameCaptured): void {
    this.frames.add(frame);
  }

  addAudio(chunk: AudioChunk): void {
    this.audio.add(chunk);
  }

  /**
   * The capture time up to which the session's media is in: the older of the two kinds' newest.
   * Before any audio came it is 0: the audio topic may be read behind the frames (a fetch filled
   * by frames), and a client without a microphone is told from that only by the stage's tick.
   */
  get complete(): number {
    return Math.min(this.frames.newest, this.audio.newest);
  }

  get hasAudio(): boolean {
    return this.audio.newest > 0;
  }

  /**
   * From this capture time on, the session's frames and audio that arrived are all held: evidence
   * that begins earlier must be read back from Kafka. Audio counts once some came.
   */
  get coveredFrom(): number {
    return this.audio.newest === 0
      ? this.frames.coveredFrom
      : Math.max(this.frames.coveredFrom, this.audio.coveredFrom);
  }

  /** The newest capture time of either kind: how recently the session was heard from. */
  get newest(): number {
    return Math.max(this.frames.newest, this.audio.newest);
  }

  /** Frames of `source` and audio captured in [from, to], oldest first. */
  between(source: FrameCaptured['source'], from: number, to: number): { frames: FrameCaptured[]; audio: AudioChunk[] } {
    return {
      frames: this.frames.between(from, to).filter((frame) => frame.source === source),
      audio: this.audio.between(from, to),
    };
  }
}

/** The frames a strip shows: `count` of them spread evenly from first to last. */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  if (count === 1) return [items[Math.floor(items.length / 2)]!];
  return Array.from({ length: count }, (_, index) => items[Math.round((index * (items.length - 1)) / (count - 1))]!);
}
