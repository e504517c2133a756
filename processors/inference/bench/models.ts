import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { repoPath } from '@proctoflex/core';
import {
  ModelSessions,
  decodeJpeg,
  detectFaces,
  detectObjects,
  embedFaces,
  loadInferenceConfig,
  newVoiceStream,
  voiceActivity,
} from '../src/index.ts';
import { defaultFaceOptions, type FaceRange } from '../src/faces.ts';
import { square, type ImageSize } from '../src/image.ts';
import { defaultObjectOptions, objectInputSize } from '../src/objects.ts';
import { createReference } from '../src/reference.ts';
import { fixturePcm } from '../src/testing.ts';

/**
 * `npm run bench:models`: throughput of every model on this machine, JPEG decode included,
 * with INFERENCE_THREADS threads (default 1: one core). Prints a markdown table.
 */
const config = loadInferenceConfig();
const models = new ModelSessions(config);

/** A webcam-like 640x480 JPEG: one face filling a good part of the frame. */
async function webcamFrame(): Promise<Buffer> {
  return sharp(readFileSync(repoPath('models/fixtures/group-6.jpg')))
    .extract({ left: 880, top: 230, width: 560, height: 420 })
    .resize(640, 480)
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function rate(work: () => Promise<number>, seconds = 5): Promise<number> {
  await work(); // warm-up: sessions load, first run allocates
  let items = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) items += await work();
  return items / ((performance.now() - started) / 1000);
}

const jpeg = await webcamFrame();
const batch = (size: number) => Array.from({ length: size }, () => jpeg);
const decodeAll = (jpegs: Buffer[]) => Promise.all(jpegs.map(decodeJpeg));

const rows: [string, string][] = [];
const faceRuns: [FaceRange, number][] = [
  ['short', 1],
  ['short', 16],
  ['long', 16],
];
for (const [range, size] of faceRuns) {
  const framesPerSecond = await rate(async () => {
    const faces = await detectFaces(models, await decodeAll(batch(size)), { ...defaultFaceOptions, range });
    if (faces.some((list) => list.length !== 1)) throw new Error('the benchmark frame must hold one face');
    return size;
  });
  rows.push([
    `face detection (${range} range) + landmarks + pose, batch ${size}`,
    `${framesPerSecond.toFixed(1)} frames/s`,
  ]);
}
const image = await decodeJpeg(jpeg);
const [faces] = await detectFaces(models, [image]);
const face = faces![0]!;
const embeddingsPerSecond = await rate(
  async () =>
    (
      await embedFaces(
        models,
        Array.from({ length: 16 }, () => ({ image, crop: face.landmarkBox })),
      )
    ).length,
);
rows.push(['face embeddings, batch 16', `${embeddingsPerSecond.toFixed(1)} faces/s`]);
const objectRuns: [ImageSize, number][] = [
  [objectInputSize, 1],
  [objectInputSize, 4],
  [square(640), 1],
];
for (const [inputSize, size] of objectRuns) {
  const framesPerSecond = await rate(
    async () => (await detectObjects(models, await decodeAll(batch(size)), defaultObjectOptions, inputSize)).length,
  );
  rows.push([
    `object detection (YOLOv5s ${inputSize.width}x${inputSize.height}), batch ${size}`,
    `${framesPerSecond.toFixed(1)} frames/s`,
  ]);
}
const speech = fixturePcm('speech.wav').subarray(0, 32_000);
const streams = Array.from({ length: 64 }, () => newVoiceStream());
const audioSecondsPerSecond = await rate(async () => {
  await voiceActivity(
    models,
    streams.map((stream) => ({ stream, pcm: speech })),
  );
  return streams.length;
});
rows.push(['voice activity, 64 sessions x 1 s chunks', `${audioSecondsPerSecond.toFixed(0)}x real time`]);
await models.close();

// The same frame through @vladmandic/human on TF.js wasm, one frame at a time as it works.
const frame = await decodeJpeg(jpeg);
const referenceFaces = await createReference(defaultFaceOptions, { faces: true, objects: false });
const referenceFaceRate = await rate(async () => {
  await referenceFaces.detect(frame);
  return 1;
});
const referenceObjects = await createReference(defaultFaceOptions, { faces: false, objects: true });
const referenceObjectRate = await rate(async () => {
  await referenceObjects.detect(frame);
  return 1;
});
const speedup = (ours: string, reference: number) => `${(Number.parseFloat(ours) / reference).toFixed(1)}x`;
rows.push(['reference: human on TF.js wasm, faces + mesh + pose', `${referenceFaceRate.toFixed(1)} frames/s`]);
rows.push([
  'reference: YOLOv5s on TF.js wasm (640x640, its only size), objects',
  `${referenceObjectRate.toFixed(1)} frames/s`,
]);
rows.push(['ours (short range, batch 16) / reference, faces', speedup(rows[1]![1], referenceFaceRate)]);
rows.push(['ours (long range, batch 16: the same models) / reference, faces', speedup(rows[2]![1], referenceFaceRate)]);
rows.push(['ours (640x640, batch 1) / reference, objects', speedup(rows[6]![1], referenceObjectRate)]);

console.log(
  `\nONNX Runtime ${config.INFERENCE_EXECUTION_PROVIDER}, ${config.INFERENCE_THREADS} thread(s), 640x480 JPEG frames\n`,
);
console.log('| model | throughput |\n|---|---|');
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
