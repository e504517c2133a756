/**
 * Token buckets per session: `ratePerSecond` records on average, up to `burst` at once. Buckets
 * of sessions idle long enough to be full again are forgotten, so memory follows active sessions.
 */
export class SessionRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes `count` tokens (at most `burst`); when the bucket holds fewer, takes none and says how
   * long to wait.
   */
  take(sessionId: string, count: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.now();
    const bucket = this.buckets.get(sessionId) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond);
    bucket.updatedAt = now;
    this.buckets.set(sessionId, bucket);
    if (bucket.tokens < count) {
      return { allowed: false, retryAfterMs: Math.ceil(((count - bucket.tokens) / this.ratePerSecond) * 1000) };
    }
    bucket.tokens -= count;
    return { allowed: true };
  }

  /** Forgets sessions whose buckets have refilled; call now and then. */
  sweep(): void {
    const now = this.now();
    for (const [sessionId, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond >= this.burst) {
        this.buckets.delete(sessionId);
      }
    }
  }

  get trackedSessions(): number {
    return this.buckets.size;
  }
}
