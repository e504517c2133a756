import { z } from 'zod';
import type { Display } from '@proctoflex/core/client';
import type { CandidateBridge, IpcChannel } from './bridge.ts';
import { createCandidate, type CandidateDeps } from './candidate.ts';
import type { MachineInspector } from './machine/index.ts';
import { diskQueues } from './queue.ts';

export type IpcHandlers = { [K in IpcChannel]: (...args: unknown[]) => ReturnType<CandidateBridge[K]> };

/** The candidate's flow on the desktop: its queues in the app's data directory, and the machine it runs on. */
export interface IpcDeps extends Omit<CandidateDeps, 'queues' | 'machine' | 'displayCount'> {
  readonly dataDir: string;
  /** 32 bytes: the queues' AES-256-GCM key. */
  readonly queueKey: Buffer;
  readonly maxQueueBytes: number;
  readonly inspector: MachineInspector;
  readonly displays: () => Display[];
}

const bytes = z.instanceof(Uint8Array);
const captureTime = z.number().int().positive();
const captureSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('frame'),
      source: z.enum(['WEBCAM', 'SCREEN']),
      jpeg: bytes,
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      captureTime,
      enrolment: z.boolean(),
    })
    .refine((frame) => !frame.enrolment || frame.source === 'WEBCAM', 'the reference photo comes from the camera'),
  z.object({ type: z.literal('audio'), pcm: bytes, captureTime, durationMs: z.number().int().positive() }),
  z.object({
    type: z.literal('event'),
    event: z.enum(['FOCUS_LOST', 'FOCUS_GAINED', 'CLIPBOARD_USED', 'SCREEN_SHARE_STOPPED', 'SCREEN_SHARE_RESUMED']),
    detail: z.string().max(500).nullable(),
  }),
]);
const text = z.string().min(1).max(500);

/**
 * The main process's IPC handlers, one per channel: the candidate's flow (`createCandidate`) with
 * every argument from the renderer checked like any untrusted input; what they throw reaches the
 * renderer as the rejected invoke (ipcMain.handle).
 */
export function createIpcHandlers(deps: IpcDeps): IpcHandlers {
  const candidate = createCandidate({
    ...deps,
    queues: diskQueues(deps.dataDir, deps.queueKey, deps.maxQueueBytes),
    machine: { inspector: deps.inspector, platform: process.platform, displays: deps.displays },
    displayCount: () => deps.displays().length,
  });
  return {
    signIn: (email, password) => candidate.signIn(text.parse(email), text.parse(password)),
    exams: () => candidate.exams(),
    notice: (examId) => candidate.notice(text.parse(examId)),
    startExam: (examId, noticeVersion) => candidate.startExam(text.parse(examId), text.parse(noticeVersion)),
    systemCheck: () => candidate.systemCheck(),
    verify: (jpeg) => candidate.verify(bytes.parse(jpeg)),
    identityDecision: () => candidate.identityDecision(),
    beginExam: () => candidate.beginExam(),
    record: (capture) => candidate.record(captureSchema.parse(capture)),
    endExam: () => candidate.endExam(),
    acknowledge: (interventionId) => candidate.acknowledge(text.parse(interventionId)),
  };
}
