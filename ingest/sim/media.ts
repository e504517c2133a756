import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { repoPath } from '@proctoflex/core';
import { frameSize } from './webcam.ts';

export { frameSize };

/** What the webcam shows in a scripted moment of a simulated exam. */
export type Scene = 'candidate' | 'candidate-alt' | 'empty' | 'two-people' | 'looking-away' | 'phone';

/**
 * Each scene is a region of a real fixture photo (models/fixtures, provenance in its README),
 * scaled to a 640x480 webcam frame. What each shows is checked by media.it.test.ts with the models.
 */
const scenes: Record<Scene, { file: string; region?: { left: number; top: number; width: number; height: number } }> = {
  candidate: { file: 'group-6.jpg', region: { left: 880, top: 230, width: 560, height: 420 } },
  'candidate-alt': { file: 'identity/franck_01829.jpg' },
  empty: { file: 'fruits.jpg' },
  'two-people': { file: 'group-3.jpg', region: { left: 440, top: 160, width: 1000, height: 750 } },
  // A woman in profile: the short-range face detector finds no face (as with a real turned head).
  'looking-away': { file: 'group-2.jpg', region: { left: 120, top: 40, width: 680, height: 510 } },
  phone: { file: 'group-2.jpg', region: { left: 0, top: 860, width: 640, height: 480 } },
};

export async function sceneFrames(): Promise<Record<Scene, Buffer>> {
  const entries = await Promise.all(
    Object.entries(scenes).map(async ([scene, { file, region }]) => {
      let image = sharp(readFileSync(repoPath(`models/fixtures/${file}`)));
      if (region) image = image.extract(region);
      const jpeg = await image
        .resize(frameSize.width, frameSize.height, { fit: 'fill' })
        .jpeg({ quality: 80 })
        .toBuffer();
      return [scene, jpeg] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<Scene, Buffer>;
}

/** What the microphone hears: 1 s chunks of 16 kHz mono s16le. */
export type Sound = 'speech' | 'quiet';

export function soundChunks(): Record<Sound, Buffer[]> {
  const pcmOf = (file: string) => {
    const wav = readFileSync(repoPath(`models/fixtures/${file}`));
    // The fixtures are plain 44-byte-header PCM WAVs (sox).
    const pcm = wav.subarray(44);
    const second = 32_000;
    return Array.from({ length: Math.floor(pcm.length / second) }, (_, index) =>
      pcm.subarray(index * second, (index + 1) * second),
    );
  };
  return { speech: pcmOf('speech.wav'), quiet: pcmOf('room-noise.wav') };
}

/** Everything a simulated desktop shows and plays. */
export interface SimulatedMedia {
  readonly frames: Record<Scene, Buffer>;
  readonly sounds: Record<Sound, Buffer[]>;
}

export async function simulatedMedia(): Promise<SimulatedMedia> {
  return { frames: await sceneFrames(), sounds: soundChunks() };
}
