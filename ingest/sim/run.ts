import { randomUUID } from 'node:crypto';
import { mintIngestToken } from '../src/token.ts';
import { behaviourOf, misconductWindows, type Behaviour } from './behaviours.ts';
import { SimulatedCandidate } from './candidate.ts';
import { simulatedMedia } from './media.ts';
import { SimulationStats, type WindowReport } from './stats.ts';

export interface SimulationOptions {
  readonly gatewayUrl: string;
  readonly tokenSecret: string;
  readonly candidates: number;
  readonly durationSeconds: number;
  readonly examId: string;
  /** Everyone behaves so; by default 6 in 10 are honest and the rest cycle through the misbehaviours. */
  readonly behaviour?: Behaviour;
  /** Seconds over which candidates connect, so that thousands do not arrive in the same instant. */
  readonly rampSeconds: number;
  readonly reportEverySeconds: number;
  readonly onReport: (report: WindowReport) => void;
}

/**
 * Runs `candidates` simulated desktops against a gateway for `durationSeconds` after the ramp,
 * reporting a window every `reportEverySeconds`. Returns the ground truth: who did what, when.
 */
export async function runSimulation(options: SimulationOptions) {
  const media = await simulatedMedia();
  const stats = new SimulationStats();
  const candidates = Array.from({ length: options.candidates }, (_, index) => {
    const claims = { sessionId: randomUUID(), examId: options.examId, candidateId: `sim-candidate-${index + 1}` };
    const token = mintIngestToken(options.tokenSecret, claims, options.durationSeconds + 3600);
    return new SimulatedCandidate(
      claims,
      options.behaviour ?? behaviourOf(index),
      options.gatewayUrl,
      token,
      media,
      stats,
    );
  });
  const rampGapMs = (options.rampSeconds * 1000) / Math.max(1, candidates.length);
  for (const candidate of candidates) {
    await Promise.all([candidate.start(), new Promise((resolve) => setTimeout(resolve, rampGapMs))]);
  }
  stats.take(options.rampSeconds); // the ramp is not measured
  const started = performance.now();
  let lastReport = started;
  while (performance.now() - started < options.durationSeconds * 1000) {
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
