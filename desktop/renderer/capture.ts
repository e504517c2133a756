import type { CaptureSettings } from '../src/api.ts';
import type { DesktopBridge } from '../src/bridge.ts';
import { Resampler, toPcm16 } from './resample.ts';

const frameSize = { width: 640, height: 480 };

export function openCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: { ...frameSize, facingMode: 'user' } });
}

export function openMicrophone(): Promise<MediaStream> {
  // Raw sound for the voice detector: no noise suppression that would hide a whisper.
  return navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
}

/** The camera's current picture as a JPEG, at the video's own size. */
export async function grabJpeg(video: HTMLVideoElement): Promise<{ jpeg: Uint8Array; width: number; height: number }> {
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) {
    await new Promise((resolve, reject) => {
      video.addEventListener('loadeddata', resolve, { once: true });
      setTimeout(
        () => reject(new Error('the camera shows no picture: check that it is not covered or used by another app')),
        5000,
      );
    });
  }
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
  if (!blob) throw new Error('the camera gave no picture');
  return { jpeg: new Uint8Array(await blob.arrayBuffer()), width: canvas.width, height: canvas.height };
}

/**
 * Captures at the exam's rates until the returned stop is called: a JPEG of the camera every
 * frameIntervalMs; the microphone resampled to 16 kHz in chunks of audioChunkMs; the candidate
 * leaving the window and using the clipboard. Each goes to the main process through `bridge`.
 */
export async function startCapture(
  bridge: DesktopBridge,
  camera: MediaStream,
  microphone: MediaStream,
  settings: CaptureSettings,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  // A video element of its own, outside the page: the page's previews come and go.
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = camera;
  await video.play();
  const record = (capture: Parameters<DesktopBridge['record']>[0]) => bridge.record(capture).catch(onError);

  const frameTimer = setInterval(() => {
    const captureTime = Date.now();
    grabJpeg(video).then((frame) => record({ type: 'frame', ...frame, captureTime, enrolment: false }), onError);
  }, settings.frameIntervalMs);

  const audio = new AudioContext();
  await audio.audioWorklet.addModule(new URL('./pcm-worklet.js', import.meta.url));
  const tap = new AudioWorkletNode(audio, 'pcm-tap');
  audio.createMediaStreamSource(microphone).connect(tap);
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

  const event = (type: 'FOCUS_LOST' | 'FOCUS_GAINED' | 'CLIPBOARD_USED', detail: string | null) =>
    void record({ type: 'event', event: type, detail });
  const listeners: [EventTarget, string, () => void][] = [
    [window, 'blur', () => event('FOCUS_LOST', 'the exam window lost the focus')],
    [window, 'focus', () => event('FOCUS_GAINED', null)],
    ...(['copy', 'cut', 'paste'] as const).map((action): [EventTarget, string, () => void] => [
      document,
      action,
      () => event('CLIPBOARD_USED', action),
    ]),
  ];
  for (const [target, name, listener] of listeners) target.addEventListener(name, listener);

  return async () => {
    clearInterval(frameTimer);
    for (const [target, name, listener] of listeners) target.removeEventListener(name, listener);
    tap.port.onmessage = null;
    video.srcObject = null;
    await audio.close();
  };
}
