import { percentile } from '@proctoflex/core';

/** What a simulation achieved: rates, refusals and how long acks took, per measurement window. */
export class SimulationStats {
  private totalSent = 0;
  private totalAcked = 0;
  private windowAcked = 0;
  private windowBytes = 0;
  private windowReconnects = 0;
  private latenciesMs: number[] = [];
  private readonly refusals = new Map<string, number>();

  sent(records: number): void {
    this.totalSent += records;
  }

  ack(records: number, bytes: number, latencyMs: number): void {
    this.totalAcked += records;
    this.windowAcked += records;
    this.windowBytes += bytes;
    this.latenciesMs.push(latencyMs);
  }

  refused(reason: string): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  reconnected(): void {
    this.windowReconnects += 1;
  }

  /** The window that ends now, `seconds` long; the next one starts empty. */
  take(seconds: number) {
    const latencies = this.latenciesMs.sort((a, b) => a - b);
    const report = {
      seconds,
      recordsPerSecond: Math.round(this.windowAcked / seconds),
      megabytesPerSecond: Number((this.windowBytes / seconds / 1e6).toFixed(1)),
      acks: latencies.length,
      ackLatencyMs: {
        p50: Math.round(percentile(latencies, 50)),
        p95: Math.round(percentile(latencies, 95)),
        p99: Math.round(percentile(latencies, 99)),
        max: Math.round(latencies.at(-1) ?? 0),
      },
      unackedRecords: this.totalSent - this.totalAcked,
      reconnects: this.windowReconnects,
      refusals: Object.fromEntries(this.refusals),
    };
    this.windowAcked = 0;
    this.windowBytes = 0;
    this.windowReconnects = 0;
    this.latenciesMs = [];
    this.refusals.clear();
    return report;
  }
}

export type WindowReport = ReturnType<SimulationStats['take']>;
