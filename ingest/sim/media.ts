import { readFileSync } from 'node:fs';
import { repoPath } from '@proctoflex/core';
import { averted, sitterNamed } from './cast.ts';
import { screenPictures, screenSize, type ScreenView } from './screen.ts';
import { frameSize, plainLook, Webcam, type Footage } from './webcam.ts';

export { frameSize, screenSize };

/** What the webcam shows in a scripted moment of a simulated exam. */
export type Scene = 'candidate' | 'candidate-alt' | 'empty' | 'two-people' | 'looking-away' | 'phone';

/**
 * Each scene is real footage (models/fixtures, provenance in its README) as a webcam shows it:
 * the candidate is a real webcam recording (moving, talking), the others real photos moved as a
 * head moves. What each shows is checked by media.it.test.ts with the models; the detection
 * evaluation (npm run eval:detection) is where how well the models see is measured.
 */
const scenes: Record<Scene, { footage: Footage; leaving?: number; still?: boolean }> = {
  candidate: { footage: sitterNamed('presenter').footage },
  'candidate-alt': { footage: sitterNamed('astronaut').footage },
  // The candidate's room once they have left it.
  empty: { footage: sitterNamed('presenter').footage, leaving: 1 },
  'two-people': { footage: { photo: 'group-3.jpg', region: { left: 440, top: 160, width: 1000, height: 750 } } },
  // A woman in profile, held still and clean: moved, or with a webcam's noise, the head pose
  // estimated for a profile crosses the 30° limit back and forth (28-39°; the evaluation's
  // looking-away figures show it), and the scripted tests need a frame that is looking away.
  'looking-away': { footage: averted['profile']!.footage, still: true },
  // A phone on a lap, moving as the others do.
  phone: { footage: { photo: 'group-2.jpg', region: { left: 0, top: 860, width: 640, height: 480 } } },
};

/** Frames per scene: a candidate is shown moving through them, a frame every 2 s, then again. */
const framesPerScene = 12;

/**
 * Every scene's frames, 2 s apart, with the light drifting a little and a webcam's noise and
 * compression: moving candidates for the simulator, rendered once (as a desktop would send them).
 */
export async function sceneFrames(): Promise<Record<Scene, Buffer[]>> {
  const webcam = new Webcam();
  const entries: [Scene, Buffer[]][] = [];
  for (const [scene, { footage, leaving = 0, still = false }] of Object.entries(scenes) as [
    Scene,
    (typeof scenes)[Scene],
  ][]) {
    const frames: Buffer[] = [];
    for (let index = 0; index < framesPerScene; index += 1) {
      const seconds = still ? 0 : index * 2;
      const look = still
        ? plainLook
        : {
            ...plainLook,
            brightness: 1 + 0.08 * Math.sin(index / 2),
            noise: 3,
            jpegQuality: 75 + (index % 3) * 5,
            leaving,
          };
      frames.push(await webcam.frame(await webcam.person(footage, seconds), [], look, index + 1));
    }
    entries.push([scene, frames]);
  }
  return Object.fromEntries(entries) as Record<Scene, Buffer[]>;
}

/** What the microphone hears: 1 s chunks of 16 kHz mono s16le. */
export type Sound = 'speech' | 'quiet';

/** A WAV of models/fixtures as 1 s chunks of its PCM (the fixtures are plain 44-byte-header WAVs). */
export function fixtureSeconds(file: string): Buffer[] {
  const pcm = readFileSync(repoPath(`models/fixtures/${file}`)).subarray(44);
  const second = 32_000;
  return Array.from({ length: Math.floor(pcm.length / second) }, (_, index) =>
    pcm.subarray(index * second, (index + 1) * second),
  );
}

export function soundChunks(): Record<Sound, Buffer[]> {
  return { speech: fixtureSeconds('speech.wav'), quiet: fixtureSeconds('room-noise.wav') };
}

/** Everything a simulated desktop shows and plays. */
export interface SimulatedMedia {
  readonly frames: Record<Scene, Buffer[]>;
  readonly sounds: Record<Sound, Buffer[]>;
  readonly screens: Record<ScreenView, Buffer[]>;
}

export async function simulatedMedia(): Promise<SimulatedMedia> {
  return { frames: await sceneFrames(), sounds: soundChunks(), screens: await screenPictures() };
}
