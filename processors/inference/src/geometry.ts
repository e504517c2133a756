/** A box in image coordinates normalised to 0-1, top-left corner plus size. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function iou(a: Box, b: Box): number {
  const left = Math.max(a.x, b.x);
  const top = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  const intersection = Math.max(0, right - left) * Math.max(0, bottom - top);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

/** Greedy non-maximum suppression: highest score first, dropping boxes overlapping a kept one. */
export function nonMaxSuppression<T extends { box: Box; score: number }>(candidates: T[], iouThreshold: number): T[] {
  const kept: T[] = [];
  for (const candidate of [...candidates].sort((a, b) => b.score - a.score)) {
    if (kept.every((other) => iou(other.box, candidate.box) <= iouThreshold)) kept.push(candidate);
  }
  return kept;
}

export const sigmoid = (value: number) => 1 / (1 + Math.exp(-value));

export function clampBox(box: Box): Box {
  const x = Math.min(Math.max(box.x, 0), 1);
  const y = Math.min(Math.max(box.y, 0), 1);
  return {
    x,
    y,
    width: Math.min(Math.max(box.x + box.width, 0), 1) - x,
    height: Math.min(Math.max(box.y + box.height, 0), 1) - y,
  };
}

/**
 * The same region after the image is turned clockwise by `quarterTurns` quarter turns: a point
 * (x, y) goes to (1 - y, x) per turn.
 */
export function rotateBox(box: Box, quarterTurns: number): Box {
  let rotated = box;
  for (let turn = 0; turn < ((quarterTurns % 4) + 4) % 4; turn += 1) {
    rotated = { x: 1 - rotated.y - rotated.height, y: rotated.x, width: rotated.height, height: rotated.width };
  }
  return rotated;
}
