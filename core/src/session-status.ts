import type { SessionStatus } from './contracts/records.ts';

/**
 * Whether a record captured at `captureTime` may still be taken from a session with `status`
 * (undefined: the session is live). An ended session still takes what was captured before its
 * end (a desktop uploads what it buffered offline); a revoked or erased one takes nothing.
 */
export function takesCapture(status: SessionStatus | undefined, captureTime: number): boolean {
  return status === undefined || (status.status === 'ENDED' && captureTime <= status.endedTime);
}
