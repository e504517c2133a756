import type { Display, SessionEventType } from '@proctoflex/core/client';
import { ingestGrantOf, type CandidateApi, type SessionGrant } from './api.ts';
import { closeProcesses, forbiddenRunning } from './machine/forbidden.ts';
import type { MachineInspector } from './machine/index.ts';
import type { RecordQueue } from './record-queue.ts';
import { Uploader, type UploadStatus } from './uploader.ts';

export interface ExamSessionOptions {
  readonly api: CandidateApi;
  readonly grant: SessionGrant;
  /** The session's queue, with what a closed app left in it. */
  readonly queue: RecordQueue;
  /** What runs on the machine; null where the platform cannot see it (a browser): no process snapshots then. */
  readonly machine: CandidateMachine | null;
  /** The exam's allowed applications: the catalogue's others are forbidden (closed where its lockdown says so). */
  readonly allowedApps: readonly string[];
  readonly clientVersion: string;
  readonly onStatus: (status: UploadStatus) => void;
  /** A snapshot failed: the session goes on, the error is reported. */
  readonly onError: (error: unknown) => void;
}

/** The desktop's view of the machine it runs on (a browser has none). */
export interface CandidateMachine {
  readonly inspector: MachineInspector;
  /** The operating system, as ProcessSnapshot names it. */
  readonly platform: string;
  /** The attached displays, the exam's one marked primary. */
  readonly displays: () => Display[];
}

/**
 * One exam session on the candidate's machine: its uploader, and what is captured besides the
 * renderer's media, heartbeats and (on a desktop) process snapshots, at the exam's rates.
 * Frames, audio and focus and clipboard events come from the renderer through `record`. Where
 * the exam's lockdown says so, an application it forbids is closed when a snapshot finds it.
 */
export class ExamSession {
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  /** The process snapshots, one after the other: the end waits for the one under way (it may close an app and report it). */
  private snapshots: Promise<void> = Promise.resolve();
  private ended = false;

  private constructor(
    private readonly options: ExamSessionOptions,
    readonly uploader: Uploader,
  ) {}

  /** Starts sending the session's queue (resuming what a closed app left) and capturing; STARTED once per session. */
  static async start(options: ExamSessionOptions): Promise<ExamSession> {
    const { grant } = options;
    const uploader = await Uploader.open({
      queue: options.queue,
      // Throws while the session waits for its candidate's identity: it cannot begin then.
      grant: ingestGrantOf(grant),
      refreshGrant: async () => ingestGrantOf(await options.api.refreshGrant(grant.sessionId)),
      onStatus: options.onStatus,
    });
    const session = new ExamSession(options, uploader);
    if (uploader.status().lastSeq === -1) session.event('STARTED', null);
    const { processIntervalMs, heartbeatIntervalMs } = grant.capture;
    session.timers.push(setInterval(() => session.event('HEARTBEAT', null), heartbeatIntervalMs));
    const { machine } = options;
    if (machine) {
      await session.snapshot(machine);
      session.timers.push(
        setInterval(() => {
          session.snapshots = session.snapshots.then(() => session.snapshot(machine));
        }, processIntervalMs),
      );
    }
    return session;
  }

  get sessionId(): string {
    return this.options.grant.sessionId;
  }

  frame(frame: {
    source: 'WEBCAM' | 'SCREEN';
    jpeg: Buffer;
    width: number;
    height: number;
    captureTime: number;
    enrolment: boolean;
  }): boolean {
    return this.uploader.add('FRAME', frame);
  }

  audio(chunk: { pcm: Buffer; captureTime: number; durationMs: number }): boolean {
    return this.uploader.add('AUDIO', { ...chunk, sampleRate: 16_000 });
  }

  event(type: SessionEventType, detail: string | null, captureTime = Date.now()): boolean {
    const clientVersion = type === 'STARTED' ? this.options.clientVersion : null;
    return this.uploader.add('SESSION', { type, detail, clientVersion, captureTime });
  }

  /**
   * Ends the exam: ENDED, then waits up to `drainMs` for the gateway to have everything. Only
   * then is the session ended at the API and its queue deleted; otherwise both wait for the next
   * start of the app, which uploads the rest.
   */
  async end(drainMs: number): Promise<{ uploaded: boolean }> {
    for (const timer of this.timers) clearInterval(timer);
    await this.snapshots;
    // Once, even when ending is tried again after the API could not be reached.
    if (!this.ended) this.event('ENDED', null);
    this.ended = true;
    const uploaded = await this.uploader.drain(drainMs);
    if (!uploaded) {
      await this.uploader.close();
      return { uploaded };
    }
    await this.options.api.endSession(this.sessionId);
    await this.uploader.remove();
    return { uploaded };
  }

  private async snapshot({ inspector, platform, displays }: CandidateMachine): Promise<void> {
    try {
      const captureTime = Date.now();
      const found = await inspector.snapshot();
      // Sent as found, the forbidden application included: the app-policy processor reports it.
      this.uploader.add('PROCESS', { ...found, captureTime, platform, browserDomains: [], displays: displays() });
      if (!this.options.grant.capture.lockdown.closeForbiddenApps) return;
      for (const app of forbiddenRunning(found.processes, this.options.allowedApps)) {
        const left = await closeProcesses(app.pids);
        if (left.length === 0) this.event('APP_CLOSED', app.name);
        else this.options.onError(new Error(`${app.name} could not be closed (processes ${left.join(', ')})`));
      }
    } catch (error) {
      this.options.onError(error);
    }
  }
}
