import { setTimeout } from 'node:timers/promises';
import type { SessionStatusKind } from '@proctoflex/core';
import type { ApiDeps } from '../context.ts';

/**
 * Tells the gateway and every stage that these sessions may send no more
 * (proctor.session-status.v1); resolves once Kafka holds it.
 */
export async function publishSessionStatus(
  deps: ApiDeps,
  sessionIds: readonly string[],
  status: SessionStatusKind,
  endedTime = Date.now(),
): Promise<void> {
  await deps.publish(
    deps.config.SESSION_STATUS_TOPIC,
    sessionIds.map((sessionId) => ({ key: sessionId, value: { sessionId, status, endedTime } })),
  );
}

/**
 * Erases sessions from the pipeline before their rows are deleted: the gateway refuses their
 * tokens, every stage drops their records still in flight and deletes their state (changelog
 * tombstones: the face stage's enrolment descriptor among them), the evidence sink deletes what
 * it sealed of them after any seal it had begun. Then waits API_ERASURE_SETTLE_MS, so that a
 * batch a sink had already taken in is written before the deletion, not after it.
 */
export async function erasedFromPipeline(deps: ApiDeps, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await publishSessionStatus(deps, sessionIds, 'ERASED');
  await setTimeout(deps.config.API_ERASURE_SETTLE_MS);
}
