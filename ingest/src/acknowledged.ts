/** Sessions not heard from for this long are forgotten; their repeats, if any, reach Kafka and consumers drop them. */
const forgetAfterMs = 60 * 60 * 1000;

/**
 * The highest seq this gateway acknowledged per session. A record at or below it is a resend
 * after a lost ack: it is acknowledged again without going to Kafka a second time, so that seq
 * grows in Kafka for every session this gateway serves.
 */
export class AcknowledgedSeqs {
  private readonly sessions = new Map<string, { seq: number; updatedAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  highest(sessionId: string): number {
    return this.sessions.get(sessionId)?.seq ?? -1;
  }

  acknowledge(sessionId: string, seq: number): void {
    this.sessions.set(sessionId, { seq: Math.max(seq, this.highest(sessionId)), updatedAt: this.now() });
  }

  /** Forgets idle sessions; call now and then. */
  sweep(): void {
    const oldest = this.now() - forgetAfterMs;
    for (const [sessionId, { updatedAt }] of this.sessions) if (updatedAt < oldest) this.sessions.delete(sessionId);
  }
}
