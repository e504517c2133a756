import { clampBox, nonMaxSuppression, sigmoid, type Box } from './geometry.ts';
import { square, type DecodedImage } from './image.ts';
import { ort, runImageModel, type ModelSessions } from './models.ts';

/**
 * Which face detector reads the frame: `short` (MediaPipe short-range, 128 px input) for faces
 * within ~2 m of the camera, as at a webcam; `long` (BlazeFace back-camera, 256 px input) for
 * smaller faces further away, as in group photos, at four times the cost.
 */
export type FaceRange = 'short' | 'long';

export interface FaceOptions {
  readonly range: FaceRange;
  /** Detector confidence (0-1) from which a face counts. */
  readonly minConfidence: number;
  /** Overlap above which two detections are one face. */
  readonly iouThreshold: number;
  /** Landmark-model face confidence (0-1) below which a detection is dropped. */
  readonly minLandmarkConfidence: number;
}

export const defaultFaceOptions: FaceOptions = {
  range: 'short',
  minConfidence: 0.6,
  iouThreshold: 0.3,
  minLandmarkConfidence: 0.1,
};

/** Head rotation in degrees: yaw (left/right, positive = the candidate's left), pitch (up/down), roll (tilt). */
export interface HeadPose {
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

export interface Face {
  readonly box: Box;
  readonly score: number;
  /** 468 mesh points (x, y normalised to the frame; z in the same scale as x). */
  readonly landmarks: readonly [number, number, number][];
  /** Confidence of the landmark model that the crop holds a face, 0-1. */
  readonly meshScore: number;
  readonly pose: HeadPose;
  /** Square region the landmark model read (1.5x the detected face). */
  readonly crop: Box;
  /** Square around the 468 landmarks: the region the identity embedding reads. */
  readonly landmarkBox: Box;
}

const detectors = {
  short: { model: 'face-detector-short-range', size: 128 },
  long: { model: 'face-detector', size: 256 },
} as const;
const meshSize = 192;
/**
 * Anchor centres (normalised) of both detectors, in the order of their outputs: a 16x16 grid
 * with 2 anchors per cell, then an 8x8 grid with 6.
 */
const anchors: readonly [number, number][] = [...anchorGrid(16, 2), ...anchorGrid(8, 6)];
const fineAnchors = 16 * 16 * 2;

function anchorGrid(cells: number, perCell: number): [number, number][] {
  const grid: [number, number][] = [];
  for (let row = 0; row < cells; row += 1) {
    for (let column = 0; column < cells; column += 1) {
      for (let n = 0; n < perCell; n += 1) grid.push([(column + 0.5) / cells, (row + 0.5) / cells]);
    }
  }
  return grid;
}

/**
 * Faces in each frame: one detector invocation for the whole batch, then one landmark
 * invocation for every face of every frame. An image whose most certain detection is below its
 * `worthFrom` (a reading the caller will throw away unless it beats another) gets no landmarks
 * and no faces: the landmark model costs several detector runs.
 */
export async function detectFaces(
  models: ModelSessions,
  images: readonly DecodedImage[],
  options: FaceOptions = defaultFaceOptions,
  worthFrom?: readonly number[],
): Promise<Face[][]> {
  if (images.length === 0) return [];
  const detections = await runDetector(models, images, options);
  const crops = detections.flatMap((faces, imageIndex) =>
    Math.max(0, ...faces.map((face) => face.score)) < (worthFrom?.[imageIndex] ?? 0)
      ? []
      : faces.map((face) => ({ imageIndex, ...face, crop: squareCrop(face.box, images[imageIndex]!) })),
  );
  if (crops.length === 0) return images.map(() => []);
  const meshes = await runLandmarks(models, images, crops);
  const result: Face[][] = images.map(() => []);
  crops.forEach((crop, index) => {
    const { landmarks, meshScore } = meshes[index]!;
    // The landmark model sees no face in the crop: a false detection (turned faces still score ~0.2).
    if (meshScore < options.minLandmarkConfidence) return;
    const image = images[crop.imageIndex]!;
    result[crop.imageIndex]!.push({
      box: crop.box,
      score: crop.score,
      crop: crop.crop,
      landmarkBox: squareAround(landmarks, image),
      landmarks,
      meshScore,
      pose: headPose(landmarks, image),
    });
  });
  return result;
}

async function runDetector(models: ModelSessions, images: readonly DecodedImage[], options: FaceOptions) {
  const { model, size } = detectors[options.range];
  const outputs = await runImageModel(
    models,
    model,
    square(size),
    images.map((image) => ({ image })),
    { scale: 1 / 127.5, offset: -1 },
  );
  const { logitOf, regressorsOf } = anchorOutputs(outputs, options.range);
  return images.map((_, imageIndex) => {
    const candidates: { box: Box; score: number }[] = [];
    anchors.forEach(([anchorX, anchorY], anchor) => {
      const score = sigmoid(logitOf(imageIndex, anchor));
      if (score < options.minConfidence) return;
      // Centre offset and size in input pixels, relative to the anchor.
      const [dx, dy, width, height] = regressorsOf(imageIndex, anchor);
      const box = { x: anchorX + (dx! - width! / 2) / size, y: anchorY + (dy! - height! / 2) / size };
      candidates.push({ box: clampBox({ ...box, width: width! / size, height: height! / size }), score });
    });
    return nonMaxSuppression(candidates, options.iouThreshold);
  });
}

/**
 * Reads each anchor's face logit and its first 4 regressors. The short-range model outputs all
 * 896 anchors in one tensor; the long-range one has a tensor per grid (told apart by size).
 */
function anchorOutputs(outputs: Record<string, ort.Tensor>, range: FaceRange) {
  const data = (tensor: ort.Tensor) => tensor.data as Float32Array;
  if (range === 'short') {
    const logits = data(outputs['classificators']!);
    const regressors = data(outputs['regressors']!);
    const count = anchors.length;
    return {
      logitOf: (image: number, anchor: number) => logits[image * count + anchor]!,
      regressorsOf: (image: number, anchor: number) =>
        regressors.subarray((image * count + anchor) * 16, (image * count + anchor) * 16 + 4),
    };
  }
  const bySize = Object.values(outputs).sort((a, b) => a.dims[1]! * a.dims[2]! - b.dims[1]! * b.dims[2]!);
  const [coarseLogits, fineLogits, coarseRegressors, fineRegressors] = bySize.map(data);
  const locate = (image: number, anchor: number) => {
    const fine = anchor < fineAnchors;
    const count = fine ? fineAnchors : anchors.length - fineAnchors;
    return { fine, row: image * count + (fine ? anchor : anchor - fineAnchors) };
  };
  return {
    logitOf: (image: number, anchor: number) => {
      const { fine, row } = locate(image, anchor);
      return (fine ? fineLogits : coarseLogits)![row]!;
    },
    regressorsOf: (image: number, anchor: number) => {
      const { fine, row } = locate(image, anchor);
      return (fine ? fineRegressors : coarseRegressors)!.subarray(row * 16, row * 16 + 4);
    },
  };
}

/** A square around the face, 1.5 times its larger side in pixels, as the landmark model expects. */
function squareCrop(box: Box, image: DecodedImage): Box {
  const side = 1.5 * Math.max(box.width * image.width, box.height * image.height);
  const centreX = (box.x + box.width / 2) * image.width;
  const centreY = (box.y + box.height / 2) * image.height;
  return {
    x: (centreX - side / 2) / image.width,
    y: (centreY - side / 2) / image.height,
    width: side / image.width,
    height: side / image.height,
  };
}

async function runLandmarks(
  models: ModelSessions,
  images: readonly DecodedImage[],
  crops: { imageIndex: number; crop: Box }[],
) {
  const outputs = await runImageModel(
    models,
    'face-landmarks',
    square(meshSize),
    crops.map(({ imageIndex, crop }) => ({ image: images[imageIndex]!, box: crop })),
    { scale: 1 / 255, offset: 0 },
  );
  const mesh = outputs['output_mesh']!.data as Float32Array;
  const flags = outputs['output_faceflag']!.data as Float32Array;
  return crops.map(({ crop }, index) => {
    const landmarks: [number, number, number][] = [];
    for (let point = 0; point < 468; point += 1) {
      const base = index * 1404 + point * 3;
      landmarks.push([
        crop.x + (mesh[base]! / meshSize) * crop.width,
        crop.y + (mesh[base + 1]! / meshSize) * crop.height,
        (mesh[base + 2]! / meshSize) * crop.width,
      ]);
    }
    return { landmarks, meshScore: flags[index]! };
  });
}

function squareAround(landmarks: readonly [number, number, number][], image: DecodedImage): Box {
  const xs = landmarks.map(([x]) => x);
  const ys = landmarks.map(([, y]) => y);
  const centreX = (Math.min(...xs) + Math.max(...xs)) / 2;
  const centreY = (Math.min(...ys) + Math.max(...ys)) / 2;
  const side = Math.max(
    (Math.max(...xs) - Math.min(...xs)) * image.width,
    (Math.max(...ys) - Math.min(...ys)) * image.height,
  );
  return {
    x: centreX - side / 2 / image.width,
    y: centreY - side / 2 / image.height,
    width: side / image.width,
    height: side / image.height,
  };
}

/** Mesh points that span the face: forehead top, chin, right and left cheek (the candidate's). */
const forehead = 10;
const chin = 152;
const rightCheek = 234;
const leftCheek = 454;

/**
 * Head rotation from the face's own axes: y runs forehead to chin, x cheek to cheek (made
 * perpendicular to y), z = x × y. Their rows form a rotation matrix, read as Euler angles in
 * Y-Z-X order (pitch about x, yaw about y, roll about z). Works in pixels so that a non-square
 * frame does not skew the angles.
 */
export function headPose(
  landmarks: readonly [number, number, number][],
  image: { width: number; height: number },
): HeadPose {
  type Vector = [number, number, number];
  // Depth as the reference implementation (@vladmandic/human) scales it: relative to the face
  // box, which is the landmark crop / 1.5, so that angles compare with it.
  const point = (index: number): Vector => {
    const [x, y, z] = landmarks[index]!;
    return [x * image.width, y * image.height, (z * image.width) / 1.5];
  };
  const subtract = (a: Vector, b: Vector): Vector => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const cross = (a: Vector, b: Vector): Vector => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
  const normalise = (v: Vector): Vector => {
    const length = Math.hypot(...v);
    return [v[0] / length, v[1] / length, v[2] / length];
  };
  const yAxis = normalise(subtract(point(chin), point(forehead)));
  const zAxis = normalise(cross(normalise(subtract(point(leftCheek), point(rightCheek))), yAxis));
  const xAxis = cross(yAxis, zAxis);
  const degrees = (radians: number) => (radians * 180) / Math.PI;
  return {
    pitch: degrees(-Math.atan2(-yAxis[2], yAxis[1])),
    yaw: degrees(-Math.atan2(-zAxis[0], xAxis[0])),
    roll: degrees(-Math.atan2(yAxis[0], Math.hypot(xAxis[0], zAxis[0]))),
  };
}
