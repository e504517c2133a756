import { followServerSentEvents } from '@proctoflex/core/client';
import {
  ingestGrantOf,
  type CandidateApi,
  type CandidateIntervention,
  type CaptureSettings,
  type SessionGrant,
} from './api.ts';
import type { CandidateBridge, ExamStart, MachineCheck } from './bridge.ts';
import { forbiddenRunning } from './machine/forbidden.ts';
import type { SessionQueues } from './record-queue.ts';
import { ExamSession, type CandidateMachine } from './session.ts';
import { Uploader, type UploadStatus } from './uploader.ts';

/** What the candidate's flow needs of the platform it runs on: the desktop's main process or a browser tab. */
export interface CandidateDeps {
  readonly api: CandidateApi;
  readonly queues: SessionQueues;
  readonly drainMs: number;
  /** The machine as the desktop sees it; null in a browser, which sees no other application. */
  readonly machine: CandidateMachine | null;
  /** Displays attached; null where the platform cannot tell. */
  readonly displayCount: () => number | null;
  readonly screenPermission: () => MachineCheck['screenPermission'];
  readonly clientVersion: string;
  readonly notify: (status: UploadStatus) => void;
  readonly notifyIntervention: (intervention: CandidateIntervention) => void;
  readonly onError: (error: unknown) => void;
  /** The exam's lockdown is to be applied (begin) or lifted (end). */
  readonly lockdown: (settings: CaptureSettings['lockdown'] | null) => void;
}

/** How often a candidate waiting for a proctor's decision on their identity asks the API. */
const identityPollMs = 3000;
/**
 * The candidate's flow, one method per step the renderer takes: sign in, agree, check, verify,
 * begin, record, end. The desktop's main process serves it over IPC (checking every argument);
 * the browser client calls it in the page.
 */
export function createCandidate(deps: CandidateDeps): Omit<CandidateBridge, 'onStatus' | 'onIntervention'> {
  let current: { grant: SessionGrant; start: ExamStart } | null = null;
  let session: ExamSession | null = null;
  let interventions: AbortController | null = null;
  const requireStarted = () => {
    if (!current) throw new Error('start an exam first');
    return current;
  };
  const requireSession = () => {
    if (!session) throw new Error('the exam has not begun');
    return session;
  };

  return {
    async signIn(email, password) {
      const user = await deps.api.signIn(email, password);
      void uploadEndedSessions(deps).catch(deps.onError);
      return { displayName: user.displayName };
    },

    exams: () => deps.api.exams(),

    notice: (examId) => deps.api.notice(examId),

    async startExam(examId, noticeVersion) {
      if (session) throw new Error('an exam is running: end it first');
      const exam = (await deps.api.exams()).find(({ id }) => id === examId);
      if (!exam) throw new Error('this exam is not one of yours');
      const { grant, startedAt, resumed } = await deps.api.startSession(exam.id, noticeVersion);
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
      const { grant, start } = requireStarted();
      const { ingestUrl } = grant;
      const gateway = await fetch(`${ingestUrl}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
        (response) => ({
          ok: response.ok,
          detail: response.ok ? ingestUrl : `${ingestUrl} answers ${response.status}`,
        }),
        (error: unknown) => ({ ok: false, detail: `${ingestUrl} cannot be reached: ${String(error)}` }),
      );
      const found = await deps.machine?.inspector.snapshot();
      return {
        gateway,
        displays: deps.displayCount(),
        screenPermission: deps.screenPermission(),
        virtualMachineHints: found?.virtualMachineHints ?? null,
        forbiddenApps: found ? forbiddenRunning(found.processes, start.exam.allowedApps).map(({ name }) => name) : null,
      };
    },

    async verify(jpeg) {
      const started = requireStarted();
      const { sessionId } = started.grant;
      const verification = await deps.api.verify(sessionId, jpeg);
      if (verification === 'verified') started.grant = await deps.api.refreshGrant(sessionId);
      if (verification !== 'verified' && verification !== 'pending')
        throw new Error(`the identity check says ${verification}`);
      return verification;
    },

    async identityDecision() {
      const started = requireStarted();
      const { sessionId } = started.grant;
      for (;;) {
        // An unreachable API is asked again: the candidate waits either way.
        const state = await deps.api.session(sessionId).catch(() => null);
        if (state?.status === 'ended' || state?.verification === 'refused') return 'refused';
        if (state?.verification === 'approved') {
          started.grant = await deps.api.refreshGrant(sessionId);
          return 'approved';
        }
        await new Promise((resolve) => setTimeout(resolve, identityPollMs));
      }
    },

    async beginExam() {
      const { grant, start } = requireStarted();
      if (session) return;
      const { allowedApps } = start.exam;
      const { machine } = deps;
      // Checked here too, not only in the renderer's system check: the exam waits until they are closed.
      const forbidden = machine ? forbiddenRunning((await machine.inspector.snapshot()).processes, allowedApps) : [];
      if (forbidden.length > 0)
        throw new Error(`close ${forbidden.map(({ name }) => name).join(', ')} first: this exam does not allow them`);
      session = await ExamSession.start({
        ...deps,
        allowedApps,
        grant,
        queue: await deps.queues.open(grant.sessionId),
        onStatus: deps.notify,
      });
      deps.lockdown(grant.capture.lockdown);
      // What proctors tell the candidate, as soon as the API is reachable (again).
      interventions = new AbortController();
      const { signal } = interventions;
      void followServerSentEvents({
        open: () => deps.api.interventions(grant.sessionId, signal),
        onEvent: ({ type, data }) =>
          type === 'intervention' && deps.notifyIntervention(data as unknown as CandidateIntervention),
        signal,
      });
    },

    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a refused capture rejects the call
    async record(capture) {
      const running = requireSession();
      // Buffers: the Avro encoder takes bytes as Buffer (in the browser, the bundle's Buffer).
      if (capture.type === 'frame') return running.frame({ ...capture, jpeg: Buffer.from(capture.jpeg) });
      if (capture.type === 'audio') return running.audio({ ...capture, pcm: Buffer.from(capture.pcm) });
      return running.event(capture.event, capture.detail);
    },

    async acknowledge(interventionId) {
      await deps.api.acknowledge(requireSession().sessionId, interventionId);
    },

    async endExam() {
      const running = requireSession();
      await deps.queues.markEnded(running.sessionId);
      interventions?.abort();
      const result = await running.end(deps.drainMs);
      session = null;
      current = null;
      deps.lockdown(null);
      return result;
    },
  };
}

/** Sessions whose exam ended before their queue was empty (the app was closed): upload the rest and end them. */
async function uploadEndedSessions(deps: CandidateDeps): Promise<void> {
  for (const sessionId of await deps.queues.ended()) {
    const refreshGrant = async () => ingestGrantOf(await deps.api.refreshGrant(sessionId));
    const uploader = await Uploader.open({
      queue: await deps.queues.open(sessionId),
      grant: await refreshGrant(),
      refreshGrant,
    });
    if (await uploader.drain(deps.drainMs)) {
      await deps.api.endSession(sessionId);
      await uploader.remove();
    } else await uploader.close();
  }
}
