import type { Verification } from '@proctoflex/core/client';
import type { CandidateIntervention, CaptureSettings, ExamSummary, RecordingNotice } from './api.ts';
import type { UploadStatus } from './uploader.ts';

/** What the renderer learns when it starts an exam. */
export interface ExamStart {
  readonly exam: ExamSummary;
  readonly sessionId: string;
  readonly startedAt: number;
  /** When the session must end: its duration after its start, or the exam window's end if sooner. */
  readonly endsAt: number;
  readonly capture: CaptureSettings;
  /** Identity before the exam: 'required' or 'pending' until the selfie matched or a proctor approved. */
  readonly verification: Verification | null;
  /** The app was closed or crashed during this session: it goes on where it stopped. */
  readonly resumed: boolean;
}

/**
 * The system check's part outside the page; camera, microphone and screen are the renderer's.
 * Null: the browser client cannot know (it sees no other application, nor the machine).
 */
export interface MachineCheck {
  readonly gateway: { readonly ok: boolean; readonly detail: string };
  readonly displays: number | null;
  /** macOS asks the candidate to allow screen recording; other systems do not. */
  readonly screenPermission: 'granted' | 'denied' | 'not-needed';
  readonly virtualMachineHints: string[] | null;
  /** Applications the exam forbids that run now: the exam does not begin until they are closed. */
  readonly forbiddenApps: string[] | null;
}

/** Captures the renderer hands over: media it recorded and the candidate's focus and clipboard actions. */
export type Capture =
  | {
      type: 'frame';
      source: 'WEBCAM' | 'SCREEN';
      jpeg: Uint8Array;
      width: number;
      height: number;
      captureTime: number;
      /** The reference photo taken before the exam: a webcam frame. */
      enrolment: boolean;
    }
  | { type: 'audio'; pcm: Uint8Array; captureTime: number; durationMs: number }
  | { type: 'event'; event: CandidateAction; detail: string | null };

/** What the renderer sees the candidate do: leave or regain the window, use the clipboard, stop or resume sharing the screen. */
export type CandidateAction =
  'FOCUS_LOST' | 'FOCUS_GAINED' | 'CLIPBOARD_USED' | 'SCREEN_SHARE_STOPPED' | 'SCREEN_SHARE_RESUMED';

/**
 * The renderer's whole view of what is outside the page. In the desktop app it is the main
 * process (exposed by the preload script as `window.proctoflex`: every call is one IPC invoke,
 * `onStatus` one channel the other way); in the browser client, `createCandidate` in the page.
 */
export interface CandidateBridge {
  signIn(email: string, password: string): Promise<{ displayName: string }>;
  exams(): Promise<ExamSummary[]>;
  /** What the exam records, how long it is kept, who sees it: shown before anything is captured. */
  notice(examId: string): Promise<RecordingNotice>;
  /** Starts a session of the exam once the candidate agreed to its notice, or resumes their active one. */
  startExam(examId: string, noticeVersion: string): Promise<ExamStart>;
  systemCheck(): Promise<MachineCheck>;
  /** Sends the selfie to be compared with the reference photo on record: verified, or pending a proctor. */
  verify(jpeg: Uint8Array): Promise<'verified' | 'pending'>;
  /** Waits until a proctor has approved (the exam may begin) or refused (the session ended) the identity. */
  identityDecision(): Promise<'approved' | 'refused'>;
  /** Starts sending: STARTED (unless resumed), process snapshots, heartbeats. */
  beginExam(): Promise<void>;
  /** False when the record was not kept (the offline queue is full). */
  record(capture: Capture): Promise<boolean>;
  endExam(): Promise<{ uploaded: boolean }>;
  /** The candidate has read what a proctor told them. */
  acknowledge(interventionId: string): Promise<void>;
  onStatus(listener: (status: UploadStatus) => void): void;
  /** What proctors tell the candidate once the exam has begun (one may come twice: same id). */
  onIntervention(listener: (intervention: CandidateIntervention) => void): void;
}

export type IpcChannel = Exclude<keyof CandidateBridge, 'onStatus' | 'onIntervention'>;
export const ipcChannels: readonly IpcChannel[] = [
  'signIn',
  'exams',
  'notice',
  'startExam',
  'systemCheck',
  'verify',
  'identityDecision',
  'beginExam',
  'record',
  'endExam',
  'acknowledge',
];
export const statusChannel = 'status';
export const interventionChannel = 'intervention';
