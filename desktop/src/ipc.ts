import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Display } from '@proctoflex/core/client';
import { ingestGrantOf, type CandidateApi, type CaptureSettings, type SessionGrant } from './api.ts';
import type { DesktopBridge, ExamStart, IpcChannel, MachineCheck } from './bridge.ts';
import { forbiddenRunning } from './machine/forbidden.ts';
import type { MachineInspector } from './machine/index.ts';
import { ExamSession } from './session.ts';
import { Uploader, type UploadStatus } from './uploader.ts';

export type IpcHandlers = { [K in IpcChannel]: (...args: unknown[]) => ReturnType<DesktopBridge[K]> };

export interface IpcDeps {
  readonly api: CandidateApi;
  readonly dataDir: string;
  readonly queueKey: Buffer;
  readonly maxQueueBytes: number;
  readonly drainMs: number;
  readonly inspector: MachineInspector;
  readonly displays: () => Display[];
  readonly screenPermission: () => MachineCheck['screenPermission'];
  readonly clientVersion: string;
  readonly notify: (status: UploadStatus) => void;
  readonly onError: (error: unknown) => void;
  /** The exam's lockdown is to be applied (begin) or lifted (end). */
  readonly lockdown: (settings: CaptureSettings['lockdown'] | null) => void;
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
    event: z.enum(['FOCUS_LOST', 'FOCUS_GAINED', 'CLIPBOARD_USED']),
    detail: z.string().max(500).nullable(),
  }),
]);
const text = z.string().min(1).max(500);

/** How often a candidate waiting for a proctor's decision on their identity asks the API. */
const identityPollMs = 3000;

/** Marks a session queue whose exam ended: the next start uploads the rest and ends the session. */
const endedMarker = 'ended';

/**
 * The main process's IPC handlers, one per channel. Arguments come from the renderer and are
 * checked like any untrusted input; errors reach the renderer as the rejected invoke.
 */
export function createIpcHandlers(deps: IpcDeps): IpcHandlers {
  let current: { grant: SessionGrant; start: ExamStart } | null = null;
  let session: ExamSession | null = null;
  const requireSession = () => {
    if (!session) throw new Error('the exam has not begun');
    return session;
  };

  return {
    async signIn(email, password) {
      const user = await deps.api.signIn(text.parse(email), text.parse(password));
      void uploadEndedSessions(deps).catch(deps.onError);
      return { displayName: user.displayName };
    },

    exams: () => deps.api.exams(),

    notice: (examId) => deps.api.notice(text.parse(examId)),

    async startExam(examId, noticeVersion) {
      if (session) throw new Error('an exam is running: end it first');
      const exam = (await deps.api.exams()).find(({ id }) => id === text.parse(examId));
      if (!exam) throw new Error('this exam is not one of yours');
      const { grant, startedAt, resumed } = await deps.api.startSession(exam.id, text.parse(noticeVersion));
      const endsAt = Math.min(startedAt + exam.durationMinutes * 60_000, Date.parse(exam.endsAt));
      const start = {
        exam,
        sessionId: grant.sessionId,
        startedAt,
        endsAt,
        capture: grant.capture,
        verification: grant.verification,
        resumed,
      };
      current = { grant, start };
      return start;
    },

    async systemCheck() {
      if (!current) throw new Error('start an exam first');
      const { ingestUrl } = current.grant;
      const gateway = await fetch(`${ingestUrl}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
        (response) => ({
          ok: response.ok,
          detail: response.ok ? ingestUrl : `${ingestUrl} answers ${response.status}`,
        }),
        (error: unknown) => ({ ok: false, detail: `${ingestUrl} cannot be reached: ${String(error)}` }),
      );
      const machine = await deps.inspector.snapshot();
      return {
        gateway,
        displays: deps.displays().length,
        screenPermission: deps.screenPermission(),
        virtualMachineHints: machine.virtualMachineHints,
        forbiddenApps: forbiddenRunning(machine.processes, current.start.exam.allowedApps).map(({ name }) => name),
      };
    },

    async verify(jpeg) {
      if (!current) throw new Error('start an exam first');
      const { sessionId } = current.grant;
      const verification = await deps.api.verify(sessionId, bytes.parse(jpeg));
      if (verification === 'verified') current.grant = await deps.api.refreshGrant(sessionId);
      if (verification !== 'verified' && verification !== 'pending')
        throw new Error(`the identity check says ${verification}`);
      return verification;
    },

    async identityDecision() {
      if (!current) throw new Error('start an exam first');
      const { sessionId } = current.grant;
      for (;;) {
        // An unreachable API is asked again: the candidate waits either way.
        const state = await deps.api.session(sessionId).catch(() => null);
        if (state?.status === 'ended' || state?.verification === 'refused') return 'refused';
        if (state?.verification === 'approved') {
          current.grant = await deps.api.refreshGrant(sessionId);
          return 'approved';
        }
        await sleep(identityPollMs);
      }
    },

    async beginExam() {
      if (!current) throw new Error('start an exam first');
      if (session) return;
      // Checked here too, not only in the renderer's system check: the exam waits until they are closed.
      const { allowedApps } = current.start.exam;
      const forbidden = forbiddenRunning((await deps.inspector.snapshot()).processes, allowedApps);
      if (forbidden.length > 0)
        throw new Error(`close ${forbidden.map(({ name }) => name).join(', ')} first: this exam does not allow them`);
      session = await ExamSession.start({ ...deps, allowedApps, grant: current.grant, onStatus: deps.notify });
      deps.lockdown(current.grant.capture.lockdown);
    },

    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a refused capture rejects the invoke
    async record(input) {
      const capture = captureSchema.parse(input);
      const running = requireSession();
      if (capture.type === 'frame') return running.frame({ ...capture, jpeg: Buffer.from(capture.jpeg) });
      if (capture.type === 'audio') return running.audio({ ...capture, pcm: Buffer.from(capture.pcm) });
      return running.event(capture.event, capture.detail);
    },

    async endExam() {
      const running = requireSession();
      writeFileSync(path.join(deps.dataDir, 'sessions', running.sessionId, endedMarker), '');
      const result = await running.end(deps.drainMs);
      session = null;
      current = null;
      deps.lockdown(null);
      return result;
    },
  };
}

/** Sessions whose exam ended before their queue was empty (the app was closed): upload the rest and end them. */
async function uploadEndedSessions(deps: IpcDeps): Promise<void> {
  const sessionsDir = path.join(deps.dataDir, 'sessions');
  if (!existsSync(sessionsDir)) return;
  for (const sessionId of readdirSync(sessionsDir)) {
    const dir = path.join(sessionsDir, sessionId);
    if (!existsSync(path.join(dir, endedMarker))) continue;
    const refreshGrant = async () => ingestGrantOf(await deps.api.refreshGrant(sessionId));
    const uploader = await Uploader.open({
      dir,
      key: deps.queueKey,
      maxQueueBytes: deps.maxQueueBytes,
      grant: await refreshGrant(),
      refreshGrant,
    });
    if (await uploader.drain(deps.drainMs)) {
      await deps.api.endSession(sessionId);
      await uploader.remove();
    } else await uploader.close();
  }
}
