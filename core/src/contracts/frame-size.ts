/**
 * The smallest frame a webcam gives is 160x120 (either way up); anything smaller cannot show a
 * face to judge. The gateway refuses such frames, and the processors refuse them again (a
 * record can reach Kafka by another way than the gateway): a degenerate frame is never scored
 * as "no face".
 */
export const smallestFrame = { longSide: 160, shortSide: 120 };

/** Most bytes of a frame's JPEG (FrameCaptured.jpeg): a client scales or compresses below it. */
export const largestJpegBytes = 1024 * 1024;

/** Why a width x height frame is too small to score, or null when it is not. */
export function frameSizeProblem(width: number, height: number): string | null {
  if (Math.min(width, height) >= smallestFrame.shortSide && Math.max(width, height) >= smallestFrame.longSide) {
    return null;
  }
  return `${width}x${height} is smaller than the smallest webcam mode, ${smallestFrame.longSide}x${smallestFrame.shortSide}`;
}
