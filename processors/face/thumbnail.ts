import sharp from 'sharp';
import type { FrameCaptured, Thumbnail } from '@proctoflex/core';

/** The live wall's tiles are about this wide; a thumbnail is no larger in either direction. */
const thumbnailSide = 160;

/**
 * Picks the webcam frames the live wall shows: a session's first frame, then the first one
 * captured at least `intervalMs` after the last picked. Remembers the sessions seen most
 * recently, at most `maxSessions` (a forgotten session gets its next frame picked: a thumbnail
 * more, nothing lost). In memory: after a restart each session's next frame is picked.
 */
export class ThumbnailPicker {
  private readonly pickedAt = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxSessions = 100_000,
  ) {}

  pick<T extends { frame: FrameCaptured }>(frames: readonly T[]): T[] {
    return frames.filter(({ frame }) => {
      const last = this.pickedAt.get(frame.sessionId);
      // An older frame (replayed, or late from a buffer) is not picked either.
      if (last !== undefined && frame.captureTime - last < this.intervalMs) return false;
      this.pickedAt.delete(frame.sessionId);
      this.pickedAt.set(frame.sessionId, frame.captureTime);
      if (this.pickedAt.size > this.maxSessions) this.pickedAt.delete(this.pickedAt.keys().next().value!);
      return true;
    });
  }
}

/** A small JPEG of the frame as captured (libjpeg shrinks while decoding: about a millisecond). */
export async function thumbnailOf(frame: FrameCaptured): Promise<Thumbnail> {
  const { data, info } = await sharp(frame.jpeg)
    .resize({ width: thumbnailSide, height: thumbnailSide, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 70 })
    .toBuffer({ resolveWithObject: true });
  return {
    sessionId: frame.sessionId,
    examId: frame.examId,
    captureTime: frame.captureTime,
    width: info.width,
    height: info.height,
    jpeg: data,
  };
}
