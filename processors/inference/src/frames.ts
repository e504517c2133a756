import { frameSizeProblem, InvalidRecordError, type FrameCaptured, type InputRecord } from '@proctoflex/core';
import { decodeJpeg, type DecodedImage } from './image.ts';

export interface DecodedFrame {
  readonly record: InputRecord;
  readonly frame: FrameCaptured;
  readonly image: DecodedImage;
}

/**
 * Decodes each frame's JPEG once, for every model that reads it. A frame that does not decode,
 * or is smaller than any webcam gives (a 1x1 image would otherwise score as "no face"), is handed
 * to `reject` (the dead-letter topic) with the reason and left out; the others go on.
 */
export async function decodeFrames(
  records: readonly InputRecord[],
  reject: (record: InputRecord, error: Error) => void,
): Promise<DecodedFrame[]> {
  const decoded = await Promise.all(
    records.map(async (record) => {
      const frame = record.value as FrameCaptured;
      let image: DecodedImage;
      try {
        image = await decodeJpeg(frame.jpeg);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        reject(record, new InvalidRecordError(`frame ${frame.seq} is not a decodable JPEG: ${reason}`));
        return null;
      }
      const tooSmall = frameSizeProblem(image.width, image.height);
      if (tooSmall) {
        reject(record, new InvalidRecordError(`frame ${frame.seq} cannot be scored: ${tooSmall}`));
        return null;
      }
      return { record, frame, image };
    }),
  );
  return decoded.filter((frame) => frame !== null);
}
