import { nonMaxSuppression, type Box } from './geometry.ts';
import type { DecodedImage } from './image.ts';
import { runImageModel, type ModelSessions } from './models.ts';

/** COCO classes a proctor cares about, by their index in the detector's 80 outputs. */
export const watchedClasses = { 0: 'person', 63: 'laptop', 67: 'cell phone', 73: 'book' } as const;
export type ObjectLabel = (typeof watchedClasses)[keyof typeof watchedClasses];

export interface DetectedObject {
  readonly label: ObjectLabel;
  readonly score: number;
  readonly box: Box;
}

export interface ObjectOptions {
  readonly minConfidence: number;
  readonly iouThreshold: number;
}

export const defaultObjectOptions: ObjectOptions = { minConfidence: 0.2, iouThreshold: 0.4 };

const inputSize = 512;
const gridSize = 128;
const stride = inputSize / gridSize;
const classCount = 80;

/** Watched objects in each frame, one model invocation for the whole batch. */
export async function detectObjects(
  models: ModelSessions,
  images: readonly DecodedImage[],
  options: ObjectOptions = defaultObjectOptions,
): Promise<DetectedObject[][]> {
  if (images.length === 0) return [];
  const outputs = await runImageModel(
    models,
    'object-detector',
    inputSize,
    images.map((image) => ({ image })),
    { scale: 1, offset: 0 },
  );
  const heatmaps = outputs['tower_0/keypoints:0']!.data as Float32Array;
  const edges = outputs['tower_0/wh:0']!.data as Float32Array;
  return images.map((_, imageIndex) => decode(heatmaps, edges, imageIndex, options));
}

/** A detection is a heatmap cell that is the maximum of its 3x3 neighbourhood for its class. */
function decode(
  heatmaps: Float32Array,
  edges: Float32Array,
  imageIndex: number,
  options: ObjectOptions,
): DetectedObject[] {
  const heatmapBase = imageIndex * gridSize * gridSize * classCount;
  const at = (row: number, column: number, classIndex: number) =>
    heatmaps[heatmapBase + (row * gridSize + column) * classCount + classIndex]!;
  const found: DetectedObject[] = [];
  for (const [classKey, label] of Object.entries(watchedClasses)) {
    const classIndex = Number(classKey);
    const candidates: DetectedObject[] = [];
    for (let row = 0; row < gridSize; row += 1) {
      for (let column = 0; column < gridSize; column += 1) {
        const score = at(row, column, classIndex);
        if (score < options.minConfidence || !isLocalMaximum(at, row, column, classIndex, score)) continue;
        const edgeBase = (imageIndex * gridSize * gridSize + row * gridSize + column) * 4;
        const left = column * stride - edges[edgeBase]!;
        const top = row * stride - edges[edgeBase + 1]!;
        const right = column * stride + edges[edgeBase + 2]!;
        const bottom = row * stride + edges[edgeBase + 3]!;
        candidates.push({
          label,
          score,
          box: {
            x: left / inputSize,
            y: top / inputSize,
            width: (right - left) / inputSize,
            height: (bottom - top) / inputSize,
          },
        });
      }
    }
    found.push(...nonMaxSuppression(candidates, options.iouThreshold));
  }
  return found.sort((a, b) => b.score - a.score);
}

function isLocalMaximum(
  at: (row: number, column: number, classIndex: number) => number,
  row: number,
  column: number,
  classIndex: number,
  score: number,
): boolean {
  for (let dy = -1; dy <= 1; dy += 1) {
    for (let dx = -1; dx <= 1; dx += 1) {
      const r = row + dy;
      const c = column + dx;
      if ((dy || dx) && r >= 0 && r < gridSize && c >= 0 && c < gridSize && at(r, c, classIndex) > score) return false;
    }
  }
  return true;
}
