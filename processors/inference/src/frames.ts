import { frameSizeProblem, InvalidRecordError, timed, type FrameCaptured, type InputRecord } from '@proctoflex/core';
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
  const decoded = await timed('jpeg-decode', () =>
    Promise.all(
      records.map(async (record): Promise<DecodedFrame | InvalidRecordError> => {
        const frame = record.value as FrameCaptured;
        let image: DecodedImage;
        try {
          image = await decodeJpeg(frame.jpeg);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return new InvalidRecordError(`frame ${frame.seq} is not a decodable JPEG: ${reason}`);
        }
        const tooSmall = frameSizeProblem(image.width, image.height);
        if (tooSmall) return new InvalidRecordError(`frame ${frame.seq} cannot be scored: ${tooSmall}`);
        return { record, frame, image };
      }),
    ),
  );
  // Refused in the records' order (the decodes finish in any order): the dead letters follow the input.
  decoded.forEach((result, index) => {
    if (result instanceof InvalidRecordError) reject(records[index]!, result);
  });
  return decoded.filter((result): result is DecodedFrame => !(result instanceof InvalidRecordError));
}
