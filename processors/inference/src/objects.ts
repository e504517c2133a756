import { clampBox, nonMaxSuppression, sigmoid, type Box } from './geometry.ts';
import type { DecodedImage, ImageSize } from './image.ts';
import { runImageModel, type ModelSessions } from './models.ts';

/** COCO classes a proctor cares about, by their index in the detector's 80 outputs. */
export const watchedClasses = { 0: 'person', 63: 'laptop', 67: 'cell phone', 73: 'book' } as const;
export type ObjectLabel = (typeof watchedClasses)[keyof typeof watchedClasses];
/** The same as [index, label] pairs, made once: the decode loop visits them for every confident anchor. */
const watched = Object.entries(watchedClasses).map(([index, label]) => [Number(index), label] as const);

export interface DetectedObject {
  readonly label: ObjectLabel;
  readonly score: number;
  readonly box: Box;
}

export interface ObjectOptions {
  readonly minConfidence: number;
  readonly iouThreshold: number;
}

/** YOLOv5's own defaults (detect.py: conf 0.25, IoU 0.45). */
export const defaultObjectOptions: ObjectOptions = { minConfidence: 0.25, iouThreshold: 0.45 };

/**
 * The whole frame, stretched to the input: a 4:3 webcam frame fills it. The model takes any
 * multiple of 32; at 416x320 a person near the camera scores higher than at 640x480 and phones
 * are found as often (docs/detection.md), for under half the work.
 */
export const objectInputSize: ImageSize = { width: 416, height: 320 };

/** YOLOv5s's three heads: their stride and anchors (width, height in input pixels), as trained. */
const heads = [
  { output: 'stride8', stride: 8, anchors: [10, 13, 16, 30, 33, 23] },
  { output: 'stride16', stride: 16, anchors: [30, 61, 62, 45, 59, 119] },
  { output: 'stride32', stride: 32, anchors: [116, 90, 156, 198, 373, 326] },
] as const;
const anchorsPerCell = 3;
/** Per anchor: centre x, y, width, height, objectness, then the 80 class scores (all logits). */
const valuesPerAnchor = 85;

/** Watched objects in each frame, one model invocation for the whole batch. */
export async function detectObjects(
  models: ModelSessions,
  images: readonly DecodedImage[],
  options: ObjectOptions = defaultObjectOptions,
  inputSize: ImageSize = objectInputSize,
): Promise<DetectedObject[][]> {
  if (images.length === 0) return [];
  const outputs = await runImageModel(
    models,
    'object-detector',
    inputSize,
    images.map((image) => ({ image })),
    { scale: 1 / 255, offset: 0 },
  );
  return images.map((_, imageIndex) => {
    const candidates = new Map<ObjectLabel, DetectedObject[]>();
    for (const { output, stride, anchors } of heads) {
      const tensor = outputs[output]!;
      const [, rows, columns] = tensor.dims as [number, number, number, number];
      const values = tensor.data as Float32Array;
      const imageBase = imageIndex * rows * columns * anchorsPerCell * valuesPerAnchor;
      for (let cell = 0; cell < rows * columns; cell += 1) {
        for (let anchor = 0; anchor < anchorsPerCell; anchor += 1) {
          const base = imageBase + (cell * anchorsPerCell + anchor) * valuesPerAnchor;
          const objectness = sigmoid(values[base + 4]!);
          // A class's score is objectness times the class's probability: never above objectness.
          if (objectness < options.minConfidence) continue;
          for (const [classIndex, label] of watched) {
            const score = objectness * sigmoid(values[base + 5 + classIndex]!);
            if (score < options.minConfidence) continue;
            const centreX = (sigmoid(values[base]!) * 2 - 0.5 + (cell % columns)) * stride;
            const centreY = (sigmoid(values[base + 1]!) * 2 - 0.5 + Math.floor(cell / columns)) * stride;
            const width = (sigmoid(values[base + 2]!) * 2) ** 2 * anchors[anchor * 2]!;
            const height = (sigmoid(values[base + 3]!) * 2) ** 2 * anchors[anchor * 2 + 1]!;
            const box = clampBox({
              x: (centreX - width / 2) / inputSize.width,
              y: (centreY - height / 2) / inputSize.height,
              width: width / inputSize.width,
              height: height / inputSize.height,
            });
            const ofClass = candidates.get(label) ?? [];
            candidates.set(label, ofClass);
            ofClass.push({ label, score, box });
          }
        }
      }
    }
    return [...candidates.values()]
      .flatMap((ofClass) => nonMaxSuppression(ofClass, options.iouThreshold))
      .sort((a, b) => b.score - a.score);
  });
}
