import { testKafka, TestTopics } from '@proctoflex/core/testing';
import { spawnGateway } from '../src/testing.ts';
import { mintSessions, runSimulation } from '../sim/run.ts';
import type { WindowReport } from '../sim/stats.ts';

/**
 * `npm run bench:ingest`: one gateway process (as `npm run ingest` runs it) on its own topics of
 * 12 partitions, loaded by the simulator in this process with more and more candidates. For each
 * step: records/s and MB/s acknowledged by Kafka and the ack latency, over the steady windows.
 * Everything shares this machine's cores: broker, registry, gateway and simulator.
 */
const steps = (process.argv[2] ?? '500,1000,1500,2000,2500').split(',').map(Number);
const secondsPerStep = Number(process.argv[3] ?? '30');

const kafka = testKafka();
const pipeline = await TestTopics.create(kafka, 'bench.ingest', 12);
const gateway = await spawnGateway(pipeline.topics);

const rows: string[] = [];
try {
  for (const candidates of steps) {
    const windows: WindowReport[] = [];
    const { unackedRecords } = await runSimulation({
      gatewayUrl: gateway.url,
      sessions: mintSessions(gateway.secret, 'bench', candidates, secondsPerStep + 3600),
      durationSeconds: secondsPerStep,
      rampSeconds: Math.max(2, candidates / 250),
      reportEverySeconds: 10,
      onReport: (report) => windows.push(report),
    });
    // The first window settles after the ramp; the rest are steady state.
    const steady = windows.length > 1 ? windows.slice(1) : windows;
    const mean = (pick: (window: WindowReport) => number) =>
      steady.reduce((sum, window) => sum + pick(window), 0) / steady.length;
    const worst = (pick: (window: WindowReport) => number) => Math.max(...steady.map(pick));
    const refusals = steady.reduce((sum, window) => sum + Object.values(window.refusals).reduce((a, b) => a + b, 0), 0);
    const row = `| ${candidates} | ${mean((w) => w.recordsPerSecond).toFixed(0)} | ${mean((w) => w.megabytesPerSecond).toFixed(1)} | ${worst((w) => w.ackLatencyMs.p50)} | ${worst((w) => w.ackLatencyMs.p99)} | ${worst((w) => w.ackLatencyMs.max)} | ${refusals} | ${unackedRecords} |`;
    console.log(row);
    rows.push(row);
  }
} finally {
  gateway.stop();
  await pipeline.close();
}
console.log(`\none gateway process, ${secondsPerStep} s per step (steady windows), Kafka on the same machine\n`);
console.log('| candidates | records/s | MB/s | p50 ack ms | p99 ack ms | max ack ms | refusals | unacked at end |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
