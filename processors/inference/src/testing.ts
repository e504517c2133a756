import { readFileSync } from 'node:fs';
import { repoPath } from '@proctoflex/core';
import { decodeJpeg, type DecodedImage } from './image.ts';

/** A fixture of models/fixtures/, decoded. */
export function fixtureImage(name: string): Promise<DecodedImage> {
  return decodeJpeg(readFileSync(repoPath(`models/fixtures/${name}`)));
}

/** The PCM samples (s16le mono 16 kHz) of a WAV fixture, without its 44-byte header. */
export function fixturePcm(name: string): Buffer {
  const wav = readFileSync(repoPath(`models/fixtures/${name}`));
  const dataOffset = wav.indexOf('data') + 8;
  return wav.subarray(dataOffset);
}
