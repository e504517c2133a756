import type { Thumbnail } from '@proctoflex/core';

/** A thumbnail larger than this is not one (the face stage writes about 5 KiB): not kept. */
export const maxThumbnailBytes = 64 * 1024;

/**
 * The newest webcam thumbnail of each session, for the live wall: at most `maxBytes` of JPEG in
 * all, the sessions updated longest ago dropped first. An older thumbnail than the one kept
 * (a replay) changes nothing.
 */
export class ThumbnailCache {
  private readonly entries = new Map<string, Thumbnail>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  put(thumbnail: Thumbnail): void {
    if (thumbnail.jpeg.length > maxThumbnailBytes) return;
    const kept = this.entries.get(thumbnail.sessionId);
    if (kept && kept.captureTime >= thumbnail.captureTime) return;
    if (kept) this.remove(kept.sessionId, kept);
    this.entries.set(thumbnail.sessionId, thumbnail);
    this.bytes += thumbnail.jpeg.length;
    for (const [sessionId, oldest] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(sessionId, oldest);
    }
  }

  /** The kept thumbnails of `sessionIds` of `examId` captured after `after` (epoch ms). */
  newerThan(examId: string, sessionIds: readonly string[], after: number): Thumbnail[] {
    return sessionIds.flatMap((sessionId) => {
      const thumbnail = this.entries.get(sessionId);
      return thumbnail && thumbnail.examId === examId && thumbnail.captureTime > after ? [thumbnail] : [];
    });
  }

  get size(): { sessions: number; bytes: number } {
    return { sessions: this.entries.size, bytes: this.bytes };
  }

  private remove(sessionId: string, thumbnail: Thumbnail): void {
    this.entries.delete(sessionId);
    this.bytes -= thumbnail.jpeg.length;
  }
}
