import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { repoPath } from '@proctoflex/core';
import type { DecodedImage } from './image.ts';

/**
 * @vladmandic/human on TF.js (wasm backend): the reference our ONNX pipeline is checked and
 * measured against. Test and benchmark code only; its packages are dev dependencies.
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
    object: {
      enabled: enabled.objects,
      modelPath: 'centernet.json',
      minConfidence: 0.2,
      iouThreshold: 0.4,
      maxDetected: 20,
    },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  await human.load();
  await human.warmup();
  // human types its bundled TF.js as any: name the three calls used.
  const tf = human.tf as {
    tensor3d(values: Uint8Array, shape: number[], dtype: 'int32'): unknown;
    expandDims(tensor: unknown, axis: number): Parameters<typeof human.detect>[0];
    dispose(tensors: unknown[]): void;
  };
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
        objects: result.object.map((object) => ({ label: object.label, score: object.score, box: object.boxRaw })),
      };
    },
  };
}
