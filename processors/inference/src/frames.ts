import { InvalidRecordError, type FrameCaptured, type InputRecord } from '@proctoflex/core';
import { decodeJpeg, type DecodedImage } from './image.ts';

export interface DecodedFrame {
  readonly record: InputRecord;
  readonly frame: FrameCaptured;
  readonly image: DecodedImage;
}

/**
 * Decodes each frame's JPEG once, for every model that reads it. A frame that does not decode is
 * handed to `reject` (the dead-letter topic) and left out; the others go on.
 */
export async function decodeFrames(
  records: readonly InputRecord[],
  reject: (record: InputRecord, error: Error) => void,
): Promise<DecodedFrame[]> {
  const decoded = await Promise.all(
    records.map(async (record) => {
      const frame = record.value as FrameCaptured;
      try {
        return { record, frame, image: await decodeJpeg(frame.jpeg) };
      } catch (error) {
        reject(
          record,
          new InvalidRecordError(
            `frame ${frame.seq} is not a decodable JPEG: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
        return null;
      }
    }),
  );
  return decoded.filter((frame) => frame !== null);
}
