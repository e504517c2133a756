import { mintIngestToken, type IngestClaims } from '@proctoflex/core';
import { randomUUID } from 'node:crypto';
import { behaviourOf, misconductWindows, type Behaviour } from './behaviours.ts';
import { SimulatedCandidate } from './candidate.ts';
import { simulatedMedia } from './media.ts';
import { SimulationStats, type WindowReport } from './stats.ts';

/** One simulated desktop's session: its ids and the ingest token it sends with. */
export interface SimulatedSession {
  readonly claims: IngestClaims;
  readonly token: string;
}

/** `count` sessions of `examId` with tokens signed here (the simulator without an API). */
export function mintSessions(
  tokenSecret: string,
  examId: string,
  count: number,
  ttlSeconds: number,
): SimulatedSession[] {
  return Array.from({ length: count }, (_, index) => {
    const claims = { sessionId: randomUUID(), examId, candidateId: `sim-candidate-${index + 1}` };
    return { claims, token: mintIngestToken(tokenSecret, claims, ttlSeconds) };
  });
}

export interface SimulationOptions {
  readonly gatewayUrl: string;
  readonly sessions: readonly SimulatedSession[];
  readonly durationSeconds: number;
  /** How the candidate of each session (by index) behaves; by default 6 in 10 honest, the rest cycling through the misbehaviours. */
  readonly behaviourOf?: (index: number) => Behaviour;
  /** Seconds over which candidates connect, so that thousands do not arrive in the same instant. */
  readonly rampSeconds: number;
  readonly reportEverySeconds: number;
  readonly onReport: (report: WindowReport) => void;
  /** Ends the run early, as if `durationSeconds` had passed (checked every `reportEverySeconds`). */
  readonly signal?: AbortSignal;
}

/**
 * Runs a simulated desktop per session against a gateway for `durationSeconds` after the ramp,
 * reporting a window every `reportEverySeconds`. Returns the ground truth: who did what, when.
 */
export async function runSimulation(options: SimulationOptions) {
  const media = await simulatedMedia();
  const stats = new SimulationStats();
  const candidates = options.sessions.map(
    ({ claims, token }, index) =>
      new SimulatedCandidate(
        claims,
        (options.behaviourOf ?? behaviourOf)(index),
        options.gatewayUrl,
        token,
        media,
        stats,
      ),
  );
  const rampGapMs = (options.rampSeconds * 1000) / Math.max(1, candidates.length);
  for (const candidate of candidates) {
    await Promise.all([candidate.start(), new Promise((resolve) => setTimeout(resolve, rampGapMs))]);
  }
  stats.take(options.rampSeconds); // the ramp is not measured
  const started = performance.now();
  let lastReport = started;
  while (performance.now() - started < options.durationSeconds * 1000 && !options.signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, options.reportEverySeconds * 1000));
    const now = performance.now();
    options.onReport(stats.take((now - lastReport) / 1000));
    lastReport = now;
  }
  await Promise.all(candidates.map((candidate) => candidate.stop()));
  const final = stats.take((performance.now() - lastReport) / 1000);
  return {
    unackedRecords: final.unackedRecords,
    truth: candidates.map((candidate) => ({
      ...candidate.claims,
      behaviour: candidate.behaviour,
      startedAt: new Date(candidate.startedAt).toISOString(),
      misconduct: misconductWindows(candidate.behaviour, options.durationSeconds).map(({ from, to }) => ({
        from: new Date(candidate.startedAt + from * 1000).toISOString(),
        to: new Date(candidate.startedAt + to * 1000).toISOString(),
      })),
    })),
  };
}
