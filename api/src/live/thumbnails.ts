import type { Thumbnail } from '@proctoflex/core';

/** A thumbnail larger than this is not one (the face stage writes about 5 KiB): not kept. */
export const maxThumbnailBytes = 64 * 1024;

/** A kept thumbnail, with when this process received it (epoch ms, its own clock). */
export interface CachedThumbnail extends Thumbnail {
  readonly receivedAt: number;
}

/**
 * The newest webcam thumbnail of each session, for the live wall: at most `maxBytes` of JPEG in
 * all, the sessions updated longest ago dropped first. An older thumbnail than the one kept
 * (a replay) changes nothing. Asked by the time received, not captured: candidates' clocks
 * differ, one `since` serves a whole wall.
 */
export class ThumbnailCache {
  private readonly entries = new Map<string, CachedThumbnail>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  put(thumbnail: Thumbnail, receivedAt = Date.now()): void {
    if (thumbnail.jpeg.length > maxThumbnailBytes) return;
    const kept = this.entries.get(thumbnail.sessionId);
    if (kept && kept.captureTime >= thumbnail.captureTime) return;
    if (kept) this.remove(kept.sessionId, kept);
    this.entries.set(thumbnail.sessionId, { ...thumbnail, receivedAt });
    this.bytes += thumbnail.jpeg.length;
    for (const [sessionId, oldest] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(sessionId, oldest);
    }
  }

  /** The kept thumbnails of `sessionIds` of `examId` received after `since` (epoch ms). */
  receivedSince(examId: string, sessionIds: readonly string[], since: number): CachedThumbnail[] {
    return sessionIds.flatMap((sessionId) => {
      const thumbnail = this.entries.get(sessionId);
      return thumbnail && thumbnail.examId === examId && thumbnail.receivedAt > since ? [thumbnail] : [];
    });
  }

  get size(): { sessions: number; bytes: number } {
    return { sessions: this.entries.size, bytes: this.bytes };
  }

  private remove(sessionId: string, thumbnail: CachedThumbnail): void {
    this.entries.delete(sessionId);
    this.bytes -= thumbnail.jpeg.length;
  }
}
