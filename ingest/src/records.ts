import {
  type AudioChunk,
  type FrameCaptured,
  type ProcessSnapshot,
  type RecordKind,
  type RunningProcess,
  type SessionEvent,
  type SessionEventType,
  type IngestClaims,
} from '@proctoflex/core';

/** Builds a session's records as a desktop client does: seq grows by one per record, from `seq`. */
export class SessionRecords {
  constructor(
    readonly claims: IngestClaims,
    private seq = 0,
  ) {}

  private common(captureTime: number) {
    const { sessionId, examId, candidateId } = this.claims;
    return { sessionId, examId, candidateId, seq: this.seq++, captureTime };
  }

  frame(jpeg: Buffer, size: { width: number; height: number }, captureTime = Date.now(), enrolment = false) {
    const record: FrameCaptured = { ...this.common(captureTime), source: 'WEBCAM', enrolment, ...size, jpeg };
    return { kind: 'FRAME' as RecordKind, record };
  }

  /** A picture of the candidate's screen: kept as evidence, never scored. */
  screen(jpeg: Buffer, size: { width: number; height: number }, captureTime = Date.now()) {
    const record: FrameCaptured = { ...this.common(captureTime), source: 'SCREEN', enrolment: false, ...size, jpeg };
    return { kind: 'FRAME' as RecordKind, record };
  }

  audio(pcm: Buffer, captureTime = Date.now()) {
    const durationMs = Math.round((pcm.length / 2 / 16_000) * 1000);
    const record: AudioChunk = { ...this.common(captureTime), sampleRate: 16_000, durationMs, pcm };
    return { kind: 'AUDIO' as RecordKind, record };
  }

  processes(processes: RunningProcess[], browserDomains: string[] = [], captureTime = Date.now()) {
    const record: ProcessSnapshot = {
      ...this.common(captureTime),
      platform: 'linux',
      processes,
      foregroundApp: processes[0]?.name ?? null,
      foregroundWindowTitle: null,
      browserDomains,
      displays: [{ id: 'primary', width: 1920, height: 1080, primary: true }],
      virtualMachineHints: [],
    };
    return { kind: 'PROCESS' as RecordKind, record };
  }

  event(type: SessionEventType, captureTime = Date.now()) {
    const record: SessionEvent = {
      ...this.common(captureTime),
      type,
      clientVersion: type === 'STARTED' ? 'proctoflex-sim' : null,
      detail: null,
    };
    return { kind: 'SESSION' as RecordKind, record };
  }
}
