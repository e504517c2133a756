import { largestJpegBytes } from '@proctoflex/core/client';
import type { CaptureSettings } from '../src/api.ts';
import type { CandidateAction, CandidateBridge } from '../src/bridge.ts';
import { Resampler, toPcm16 } from './resample.ts';

const frameSize = { width: 640, height: 480 };
/** Screen pictures are scaled down to this width at most: text stays legible, a JPEG stays far below 1 MiB. */
const screenMaxWidth = 1280;

export function openCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: { ...frameSize, facingMode: 'user' } });
}

export function openMicrophone(): Promise<MediaStream> {
  // Raw sound for the voice detector: no noise suppression that would hide a whisper.
  return navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
}

/**
 * The whole screen, shared by the candidate: a window or a tab is refused (stopped at once), since
 * the screen is what shows what else is open. The browser asks the candidate which screen;
 * Electron's main process answers for them with the primary display. A browser that does not
 * say what was shared (Firefox, Safari: no `displaySurface`) cannot be held to it: see
 * `screenSurfaceKnown`.
 */
export async function openScreen(): Promise<MediaStream> {
  const stream = await navigator.mediaDevices.getDisplayMedia({ video: { displaySurface: 'monitor' }, audio: false });
  const surface = stream.getVideoTracks()[0]?.getSettings().displaySurface;
  if (surface !== undefined && surface !== 'monitor') {
    stream.getTracks().forEach((track) => track.stop());
    throw new Error(`a ${surface ?? 'part of the screen'} was shared, not the entire screen`);
  }
  return stream;
}

/** Whether the browser said what the candidate shared (and so that it is the entire screen). */
export function screenSurfaceKnown(screen: MediaStream): boolean {
  return screen.getVideoTracks()[0]?.getSettings().displaySurface !== undefined;
}

/** The video's current picture as a JPEG, at its own size or scaled down to `maxWidth`. */
export async function grabJpeg(
  video: HTMLVideoElement,
  maxWidth = Infinity,
): Promise<{ jpeg: Uint8Array; width: number; height: number }> {
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
    await new Promise((resolve, reject) => {
      video.addEventListener('loadeddata', resolve, { once: true });
      setTimeout(
        () => reject(new Error('the camera shows no picture: check that it is not covered or used by another app')),
        5000,
      );
    });
  }
  const scale = Math.min(1, maxWidth / video.videoWidth);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  // A busy screen may not fit the contract's JPEG at the first quality: lower it until it does.
  let blob: Blob | null = null;
  for (const quality of [0.8, 0.6, 0.4, 0.2]) {
    blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    if (!blob || blob.size <= largestJpegBytes) break;
  }
  if (!blob) throw new Error('the camera gave no picture');
  return { jpeg: new Uint8Array(await blob.arrayBuffer()), width: canvas.width, height: canvas.height };
}

/** A playing video element of its own, outside the page: the page's previews come and go. */
async function playing(stream: MediaStream): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = stream;
  await video.play();
  return video;
}

/** A running capture: `stop` ends it; `shareScreenAgain` takes the screen the candidate shared again after stopping. */
export interface Capture {
  stop(): Promise<void>;
  shareScreenAgain(screen: MediaStream): Promise<void>;
}

/**
 * Captures at the exam's rates until stopped: a JPEG of the camera every frameIntervalMs; one of
 * the screen every screenIntervalMs and when the window loses or gains the focus; the
 * microphone resampled to 16 kHz in chunks of audioChunkMs; the candidate leaving the window,
 * using the clipboard, and stopping the screen share (a browser offers that: `onScreenLost` is
 * told, and no screen picture is taken until it is shared again). Each goes out through `bridge`.
 */
export async function startCapture(
  bridge: CandidateBridge,
  devices: { camera: MediaStream; microphone: MediaStream; screen: MediaStream },
  settings: CaptureSettings,
  onError: (error: unknown) => void,
  onScreenLost: () => void,
): Promise<Capture> {
  const [video, screenVideo] = await Promise.all([playing(devices.camera), playing(devices.screen)]);
  const record = (capture: Parameters<CandidateBridge['record']>[0]) => bridge.record(capture).catch(onError);
  const event = (type: CandidateAction, detail: string | null) => void record({ type: 'event', event: type, detail });
  let screenShared = true;
  const watchScreen = (screen: MediaStream) =>
    screen.getVideoTracks()[0]?.addEventListener('ended', () => {
      screenShared = false;
      event('SCREEN_SHARE_STOPPED', 'the candidate stopped sharing the screen');
      onScreenLost();
    });
  watchScreen(devices.screen);
  const grab = (source: 'WEBCAM' | 'SCREEN') => {
    if (source === 'SCREEN' && !screenShared) return;
    const captureTime = Date.now();
    const frame = source === 'WEBCAM' ? grabJpeg(video) : grabJpeg(screenVideo, screenMaxWidth);
    frame.then((picture) => record({ type: 'frame', source, ...picture, captureTime, enrolment: false }), onError);
  };
  const frameTimer = setInterval(() => grab('WEBCAM'), settings.frameIntervalMs);
  grab('SCREEN');
  const screenTimer = setInterval(() => grab('SCREEN'), settings.screenIntervalMs);

  const audio = new AudioContext();
  await audio.audioWorklet.addModule(new URL('./pcm-worklet.js', import.meta.url));
  const tap = new AudioWorkletNode(audio, 'pcm-tap');
  audio.createMediaStreamSource(devices.microphone).connect(tap);
  const resampler = new Resampler(audio.sampleRate);
  const chunkSamples = (16_000 * settings.audioChunkMs) / 1000;
  let chunk = new Float32Array(chunkSamples);
  let filled = 0;
  tap.port.onmessage = ({ data }: MessageEvent<Float32Array>) => {
    const samples = resampler.push(data);
    for (let offset = 0; offset < samples.length;) {
      const count = Math.min(samples.length - offset, chunkSamples - filled);
      chunk.set(samples.subarray(offset, offset + count), filled);
      filled += count;
      offset += count;
      if (filled === chunkSamples) {
        const pcm = toPcm16(chunk);
        void record({
          type: 'audio',
          pcm,
          captureTime: Date.now() - settings.audioChunkMs,
          durationMs: settings.audioChunkMs,
        });
        chunk = new Float32Array(chunkSamples);
        filled = 0;
      }
    }
  };

  const listeners: [EventTarget, string, () => void][] = [
    [window, 'blur', () => (event('FOCUS_LOST', 'the exam window lost the focus'), grab('SCREEN'))],
    [window, 'focus', () => (event('FOCUS_GAINED', null), grab('SCREEN'))],
    ...(['copy', 'cut', 'paste'] as const).map((action): [EventTarget, string, () => void] => [
      document,
      action,
      () => event('CLIPBOARD_USED', action),
    ]),
  ];
  for (const [target, name, listener] of listeners) target.addEventListener(name, listener);

  return {
    async stop() {
      clearInterval(frameTimer);
      clearInterval(screenTimer);
      for (const [target, name, listener] of listeners) target.removeEventListener(name, listener);
      tap.port.onmessage = null;
      video.srcObject = null;
      screenVideo.srcObject = null;
      await audio.close();
    },
    async shareScreenAgain(screen) {
      screenVideo.srcObject = screen;
      await screenVideo.play();
      watchScreen(screen);
      screenShared = true;
      event('SCREEN_SHARE_RESUMED', null);
      grab('SCREEN');
    },
  };
}
