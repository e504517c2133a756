import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { preview } from 'vite';
import assert from 'node:assert/strict';
import { AvroSerde, repoPath, type RecordKind } from '@proctoflex/core';
import { readTopicToEnd, servicesConfig, testKafka, topicOfKind, type TopicVariable } from '@proctoflex/core/testing';
import { sceneFrames } from '@proctoflex/ingest/sim';
import { launchChromium } from '../infra/chromium.ts';
import type { CandidateIntervention } from './src/api.ts';
import { ipcChannels, type IpcChannel } from './src/bridge.ts';
import type { IpcHandlers } from './src/ipc.ts';
import type { UploadStatus } from './src/uploader.ts';

/**
 * Debian's Chromium with a fake camera and microphone fed from fixtures: a video of the
 * simulator's candidate scene (one fixture photo, as Y4M made by ffmpeg) and the speech fixture.
 */
export async function launchCandidateChromium(dir: string) {
  const photo = path.join(dir, 'candidate.jpg');
  const video = path.join(dir, 'candidate.y4m');
  await writeFile(photo, (await sceneFrames()).candidate[0]!);
  await promisify(execFile)('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-loop',
    '1',
    '-i',
    photo,
    '-t',
    '2',
    '-r',
    '10',
    '-pix_fmt',
    'yuv420p',
    video,
  ]);
  return launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
    `--use-file-for-fake-audio-capture=${repoPath('models/fixtures/speech.wav')}`,
    '--autoplay-policy=no-user-gesture-required',
  ]);
}

/** The built renderer (dist/renderer of buildDesktop) served over HTTP on localhost, a secure context as Electron's file:// is. */
export async function serveRenderer(rendererDir: string) {
  const server = await preview({
    configFile: repoPath('desktop/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: rendererDir },
    preview: { port: 0, host: '127.0.0.1' },
  });
  const address = server.httpServer.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/`, close: () => server.close() };
}

/**
 * Gives `page` the `window.proctoflex` the preload script gives the Electron renderer, wired to
 * the real main-process handlers running in this process. Only the transport differs: Electron's
 * IPC (structured clone) is Playwright's binding here, with byte arrays sent as base64. Returns
 * the status sender the handlers notify through.
 */
export async function exposeBridge(page: Page, handlers: () => IpcHandlers) {
  await page.exposeFunction('__proctoflexInvoke', async (channel: IpcChannel, encoded: string) => {
    const args = JSON.parse(encoded, (_, value: unknown) =>
      value && typeof value === 'object' && '__bytes' in value
        ? new Uint8Array(Buffer.from((value as { __bytes: string }).__bytes, 'base64'))
        : value,
    ) as unknown[];
    return handlers()[channel](...args);
  });
  // As text: a function here would carry the helpers tsx adds to named functions into the page.
  await page.addInitScript(`{
    const listeners = [];
    const toBase64 = (bytes) => {
      let text = '';
      for (let index = 0; index < bytes.length; index += 0x8000)
        text += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
      return btoa(text);
    };
    const invoke = (channel) => (...args) =>
      window.__proctoflexInvoke(channel, JSON.stringify(args, (_, value) =>
        value instanceof Uint8Array ? { __bytes: toBase64(value) } : value));
    const interventionListeners = [];
    window.proctoflex = {
      ...Object.fromEntries(${JSON.stringify(ipcChannels)}.map((channel) => [channel, invoke(channel)])),
      onStatus: (listener) => listeners.push(listener),
      onIntervention: (listener) => interventionListeners.push(listener),
    };
    window.__proctoflexStatus = (status) => listeners.forEach((listener) => listener(status));
    window.__proctoflexIntervention = (intervention) => interventionListeners.forEach((listener) => listener(intervention));
  }`);
  const send = (global: string, value: unknown) =>
    void page.evaluate(`window.${global}(${JSON.stringify(value)})`).catch(() => undefined);
  return {
    notify: (status: UploadStatus) => send('__proctoflexStatus', status),
    notifyIntervention: (intervention: CandidateIntervention) => send('__proctoflexIntervention', intervention),
  };
}

export interface SentRecord {
  readonly kind: RecordKind;
  readonly value: Buffer;
  readonly record: Record<string, unknown> & { seq: number; captureTime: number };
}

/**
 * What Kafka holds of an exam's session (its topics in `topics`), one record per seq, in seq
 * order; a record resent after an outage must be the same bytes each time. With how many copies
 * were resent.
 */
export async function recordsInKafka(
  topics: Record<TopicVariable, string>,
  examId: string,
): Promise<{ records: SentRecord[]; resent: number }> {
  const serde = new AvroSerde(servicesConfig().SCHEMA_REGISTRY_URL);
  const sent: SentRecord[] = [];
  for (const kind of ['FRAME', 'AUDIO', 'PROCESS', 'SESSION'] as const) {
    for (const message of await readTopicToEnd(testKafka(), topics[topicOfKind[kind]])) {
      const record = (await serde.decode(message.value)) as SentRecord['record'];
      if (record.examId === examId) sent.push({ kind, value: message.value!, record });
    }
  }
  const bySeq = new Map<number, SentRecord>();
  for (const entry of sent) {
    const first = bySeq.get(entry.record.seq);
    if (first) assert.ok(first.value.equals(entry.value), `seq ${entry.record.seq} is the same record each time`);
    else bySeq.set(entry.record.seq, entry);
  }
  return { records: [...bySeq.values()].sort((a, b) => a.record.seq - b.record.seq), resent: sent.length - bySeq.size };
}

/**
 * Signs the student in to the candidate client open on `page` and starts (or resumes) the exam
 * titled `examTitle`, agreeing to its recording notice once `onNotice` has seen it.
 */
export async function startExam(
  page: Page,
  student: { email: string; password: string },
  examTitle: string,
  onNotice: () => Promise<unknown> = () => Promise.resolve(),
) {
  await page.getByLabel('Email').fill(student.email);
  await page.getByLabel('Password').fill(student.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: `Start ${examTitle}` }).click();
  const notice = page.getByRole('region', { name: 'Recording notice' });
  await notice.getByText('Microphone: all sound, while the exam runs').waitFor();
  await onNotice();
  await notice.getByRole('button', { name: 'I agree: start the exam' }).click();
}
