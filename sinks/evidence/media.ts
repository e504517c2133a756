import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import sharp from 'sharp';
import type { AudioChunk, FrameCaptured } from '@proctoflex/core';
import { spread } from './buffer.ts';

const sampleRate = 16_000;
const clipFps = 5;

/** A frame decoded and re-encoded at the clip's size; frames that do not decode are left out. */
export interface UsableFrame {
  readonly captureTime: number;
  readonly jpeg: Buffer;
}

/**
 * The frames that decode, all at the first one's size rounded to even pixels (H.264 wants even
 * sizes, and a clip one size). A broken JPEG from a client costs that frame only.
 */
export async function usableFrames(frames: readonly FrameCaptured[]): Promise<UsableFrame[]> {
  const usable: UsableFrame[] = [];
  let size: { width: number; height: number } | undefined;
  for (const frame of frames) {
    try {
      if (!size) {
        const { width, height } = await sharp(frame.jpeg).metadata();
        size = { width: Math.max(2, width - (width % 2)), height: Math.max(2, height - (height % 2)) };
      }
      const jpeg = await sharp(frame.jpeg)
        .resize({ ...size, fit: 'fill' })
        .jpeg({ quality: 85 })
        .toBuffer();
      usable.push({ captureTime: frame.captureTime, jpeg });
    } catch {
      continue;
    }
  }
  return usable;
}

/** Up to `count` frames side by side, each `height` pixels high, in capture order. */
export async function strip(frames: readonly UsableFrame[], count: number, height = 120): Promise<Buffer> {
  const tiles = await Promise.all(
    spread(frames, count).map(async ({ jpeg }) => {
      const { data, info } = await sharp(jpeg).resize({ height }).toBuffer({ resolveWithObject: true });
      return { data, width: info.width };
    }),
  );
  let left = 0;
  const composite = tiles.map(({ data, width }) => {
    const tile = { input: data, left, top: 0 };
    left += width;
    return tile;
  });
  return sharp({ create: { width: left, height, channels: 3, background: '#000' } })
    .composite(composite)
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** The frame captured nearest `moment`, `width` pixels wide. */
export function thumbnail(frames: readonly UsableFrame[], moment: number, width = 320): Promise<Buffer> {
  const nearest = frames.reduce((best, frame) =>
    Math.abs(frame.captureTime - moment) < Math.abs(best.captureTime - moment) ? frame : best,
  );
  return sharp(nearest.jpeg).resize({ width }).jpeg({ quality: 80 }).toBuffer();
}

/**
 * 16 kHz mono PCM from `from` to `to` with each chunk at its capture time: gaps are silence, so
 * sound stays in step with the frames.
 */
export function alignedPcm(chunks: readonly AudioChunk[], from: number, to: number): Buffer {
  const bytesPerMs = (sampleRate * 2) / 1000;
  const pcm = Buffer.alloc(Math.max(0, Math.round((to - from) * bytesPerMs)) & ~1);
  for (const chunk of chunks) {
    if (chunk.sampleRate !== sampleRate) continue;
    const at = Math.round((chunk.captureTime - from) * bytesPerMs) & ~1;
    const skip = Math.max(0, -at);
    if (skip < chunk.pcm.length) chunk.pcm.copy(pcm, Math.max(0, at), skip);
  }
  return pcm;
}

/**
 * An MP4 (H.264, and AAC when there is audio) of the frames, each shown until the next one's
 * capture time, at 5 fps, with the audio captured meanwhile.
 */
export async function clip(frames: readonly UsableFrame[], audio: readonly AudioChunk[]): Promise<Buffer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'proctoflex-clip-'));
  try {
    const lines = ['ffconcat version 1.0'];
    for (const [index, frame] of frames.entries()) {
      const file = `frame-${String(index).padStart(4, '0')}.jpg`;
      await writeFile(path.join(directory, file), frame.jpeg);
      const next = frames[index + 1];
      const seconds = next ? (next.captureTime - frame.captureTime) / 1000 : 1 / clipFps;
      lines.push(`file '${file}'`, `duration ${Math.max(seconds, 1 / clipFps).toFixed(3)}`);
    }
    // The concat demuxer takes the last file's duration only when the file is listed again.
    lines.push(`file 'frame-${String(frames.length - 1).padStart(4, '0')}.jpg'`);
    const list = path.join(directory, 'frames.txt');
    await writeFile(list, `${lines.join('\n')}\n`);
    const start = frames[0]!.captureTime;
    const end = frames.at(-1)!.captureTime + 1000 / clipFps;
    const pcm = alignedPcm(audio, start, end);
    const output = path.join(directory, 'clip.mp4');

    const command = ffmpeg().input(list).inputOptions(['-f concat', '-safe 0']);
    if (audio.length > 0) {
      await writeFile(path.join(directory, 'audio.pcm'), pcm);
      command.input(path.join(directory, 'audio.pcm')).inputOptions(['-f s16le', `-ar ${sampleRate}`, '-ac 1']);
    }
    await new Promise<void>((resolve, reject) => {
      command
        .outputOptions([
          `-vf fps=${clipFps},format=yuv420p`,
          '-c:v libx264',
          '-preset veryfast',
          ...(audio.length > 0 ? ['-c:a aac', '-b:a 64k'] : []),
          '-movflags +faststart',
        ])
        .output(output)
        .on('end', () => resolve())
        .on('error', (error: Error, _stdout: string | null, stderr: string | null) =>
          reject(new Error(`ffmpeg could not make the clip: ${error.message}\n${stderr ?? ''}`.trim())),
        )
        .run();
    });
    return await readFile(output);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
