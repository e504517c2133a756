import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ConfigError, percentile, repoPath, runMain, type AlertEvent } from '@proctoflex/core';
import { endOffsetTotal, readTopicToEnd, testKafka, withAdmin } from '@proctoflex/core/testing';
import { mintSessions, runSimulation } from '@proctoflex/ingest/sim';
import { IsolatedStack } from '../stack.ts';
import { loadInfraConfig, type InfraConfig } from '../config.ts';
import { nextStep } from './search.ts';
import { serviceCpuSeconds } from './service-cpu.ts';

const usage = `usage: npm run bench:e2e -- [--candidates N[,N...] | --candidates search[:FIRST]] [--minutes M]
Runs the whole pipeline on this machine (gateway, the eight stages, PostgreSQL, ClickHouse) on
topics of its own, loads it with N simulated candidates for M minutes per step, and writes
bench-results/e2e-<time>.md with a PNG of latency and lag per step. "search" finds the largest N
that passes: FIRST (10), doubling until a step fails, then halving the gap to 10 %.`;

const ingestKinds = ['FRAMES_TOPIC', 'AUDIO_TOPIC', 'PROCESS_TOPIC', 'SESSIONS_TOPIC'] as const;
const sampleEveryMs = 5000;
/** A step passes with p99 capture-to-alert under this and every stage caught up this soon after the load. */
const latencyGoalMs = 3000;
const catchUpGoalMs = 30_000;

interface Sample {
  readonly at: number;
  readonly recordsIn: Record<string, number>;
  readonly lag: Record<string, number>;
  readonly cpuSeconds: Record<string, number>;
  readonly rssBytes: Record<string, number>;
  /** Seconds each stage spent by phase: stage_work_seconds_total's phases, `handler` and `commit`. */
  readonly phaseSeconds: Record<string, Record<string, number>>;
  /** Transactions (or offset commits) each stage has made. */
  readonly commits: Record<string, number>;
  /** CPU seconds of the broker, registry, PostgreSQL and ClickHouse (those infra/up started). */
  readonly serviceCpuSeconds: Record<string, number>;
  /** CPU seconds of this process: the simulated candidates (and the sampling). */
  readonly simulatorCpuSeconds: number;
}

/** The phases of a stage's time per record, in the order the report shows them. */
const phases = ['avro-decode', 'jpeg-decode', 'image-prep', 'model', 'handler, other', 'commit'] as const;

/** Sums of a Prometheus text exposition's samples, by metric name. */
function sums(text: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([-+\d.eE]+)$/.exec(line);
    if (match) totals.set(match[1]!, (totals.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return totals;
}

/** stage_work_seconds_total by phase (each model its own, `model:<name>`), with the handler's and the commit's totals. */
function phaseSecondsOf(text: string, metrics: Map<string, number>): Record<string, number> {
  const seconds: Record<string, number> = {
    handler: metrics.get('stage_handler_seconds_sum') ?? 0,
    commit: metrics.get('stage_commit_seconds_sum') ?? 0,
  };
  for (const match of text.matchAll(/^stage_work_seconds_total\{phase="([^"]+)"[^}]*\} ([-+\d.eE]+)$/gm))
    seconds[match[1]!] = (seconds[match[1]!] ?? 0) + Number(match[2]);
  return seconds;
}

/** CPU seconds this process has used: the simulated candidates, and the sampling. */
function cpuSecondsOfThisProcess(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function sample(ports: Record<string, number>, config: InfraConfig): Promise<Sample> {
  const entry: Sample = {
    at: Date.now(),
    recordsIn: {},
    lag: {},
    cpuSeconds: {},
    rssBytes: {},
    phaseSeconds: {},
    commits: {},
    serviceCpuSeconds: serviceCpuSeconds(config),
    simulatorCpuSeconds: cpuSecondsOfThisProcess(),
  };
  await Promise.all(
    Object.entries(ports).map(async ([name, port]) => {
      const text = await (
        await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(4000) })
      ).text();
      const metrics = sums(text);
      entry.recordsIn[name] = metrics.get('stage_records_in_total') ?? metrics.get('ingest_records_total') ?? 0;
      entry.lag[name] = metrics.get('stage_consumer_lag') ?? 0;
      entry.cpuSeconds[name] = metrics.get('process_cpu_seconds_total') ?? 0;
      entry.rssBytes[name] = metrics.get('process_resident_memory_bytes') ?? 0;
      entry.phaseSeconds[name] = phaseSecondsOf(text, metrics);
      entry.commits[name] = metrics.get('stage_commit_seconds_count') ?? 0;
    }),
  );
  return entry;
}

/**
 * Milliseconds per input record between two samples: in each phase (`model` all models together;
 * `handler, other` the handler less what is counted inside it), and in each model.
 */
function perRecordMs(
  first: Sample,
  final: Sample,
  name: string,
): { phases: Record<(typeof phases)[number], number>; models: Record<string, number> } {
  const records = Math.max(1, final.recordsIn[name]! - first.recordsIn[name]!);
  const spent = (phase: string) =>
    (((final.phaseSeconds[name]?.[phase] ?? 0) - (first.phaseSeconds[name]?.[phase] ?? 0)) * 1000) / records;
  const models = Object.fromEntries(
    Object.keys(final.phaseSeconds[name] ?? {})
      .filter((phase) => phase.startsWith('model:'))
      .map((phase) => [phase.slice('model:'.length), spent(phase)]),
  );
  const model = Object.values(models).reduce((sum, ms) => sum + ms, 0);
  const inHandler = spent('jpeg-decode') + spent('image-prep') + model;
  return {
    phases: {
      'avro-decode': spent('avro-decode'),
      'jpeg-decode': spent('jpeg-decode'),
      'image-prep': spent('image-prep'),
      model,
      'handler, other': Math.max(0, spent('handler') - inHandler),
      commit: spent('commit'),
    },
    models,
  };
}

/** Latency p99 per 10 s window and total lag over time, as one PNG (an SVG drawn here, rasterised by sharp). */
async function plot(
  file: string,
  title: string,
  latency: { at: number; ms: number }[],
  samples: Sample[],
  start: number,
  loadEnd: number,
) {
  const width = 900;
  const height = 420;
  const left = 70;
  const right = width - 70;
  const top = 50;
  const bottom = height - 50;
  const end = Math.max(samples.at(-1)?.at ?? start, loadEnd) - start;
  const x = (at: number) => left + ((at - start) / Math.max(1, end)) * (right - left);
  const windows = new Map<number, number[]>();
  for (const { at, ms } of latency) {
    const window = Math.floor((at - start) / 10_000);
    if (windows.has(window)) windows.get(window)!.push(ms);
    else windows.set(window, [ms]);
  }
  const p99 = [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([window, values]) => ({
      at: start + window * 10_000 + 5000,
      ms: percentile(
        [...values].sort((a, b) => a - b),
        99,
      ),
    }));
  const lag = samples.map((entry) => ({ at: entry.at, value: Object.values(entry.lag).reduce((a, b) => a + b, 0) }));
  const maxMs = Math.max(latencyGoalMs * 1.2, ...p99.map(({ ms }) => ms));
  const maxLag = Math.max(10, ...lag.map(({ value }) => value));
  const yMs = (ms: number) => bottom - (ms / maxMs) * (bottom - top);
  const yLag = (value: number) => bottom - (value / maxLag) * (bottom - top);
  const line = (points: { x: number; y: number }[], colour: string) =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="25" font-size="15">${title}</text>
<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#888"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#b42318"/>
<line x1="${right}" y1="${top}" x2="${right}" y2="${bottom}" stroke="#1f5fbf"/>
<rect x="${x(start)}" y="${top}" width="${x(loadEnd) - x(start)}" height="${bottom - top}" fill="#f3f4f6"/>
<line x1="${left}" y1="${yMs(latencyGoalMs)}" x2="${right}" y2="${yMs(latencyGoalMs)}" stroke="#b42318" stroke-dasharray="4 4"/>
<text x="${left - 8}" y="${top}" text-anchor="end" fill="#b42318">${(maxMs / 1000).toFixed(1)} s</text>
<text x="${left - 8}" y="${bottom}" text-anchor="end" fill="#b42318">0</text>
<text x="${right + 8}" y="${top}" fill="#1f5fbf">${maxLag.toFixed(0)}</text>
<text x="${right + 8}" y="${bottom}" fill="#1f5fbf">0</text>
<text x="${(left + right) / 2}" y="${height - 15}" text-anchor="middle">seconds since the load began (shaded: load; ${(end / 1000).toFixed(0)} s in all)</text>
<text x="${left}" y="${top - 8}" fill="#b42318">capture-to-alert p99 per 10 s (dashed: 3 s goal)</text>
<text x="${right}" y="${top - 8}" text-anchor="end" fill="#1f5fbf">consumer lag, all stages (records)</text>
${line(
  p99.map(({ at, ms }) => ({ x: x(at), y: yMs(ms) })),
  '#b42318',
)}
${line(
  lag.map(({ at, value }) => ({ x: x(at), y: yLag(value) })),
  '#1f5fbf',
)}
</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(file);
}

/** One load step: the whole pipeline, fresh, with `candidates` for `minutes`. */
async function step(candidates: number, minutes: number, outDir: string, stamp: string, config: InfraConfig) {
  const stack = await IsolatedStack.start({ prefix: 'bench.e2e', partitions: 12 });
  const { gateway, kafkaPipeline: pipeline } = stack;
  const kafka = testKafka();
  const samples: Sample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const ports = stack.ports;
    const start = Date.now();
    console.log(`  ${stack.stageNames.length} stages and the gateway running; load for ${minutes} min`);
    sampler = setInterval(
      () =>
        void sample(ports, config).then(
          (entry) => samples.push(entry),
          (error: unknown) => console.error(error),
        ),
      sampleEveryMs,
    );
    const { unackedRecords } = await runSimulation({
      gatewayUrl: gateway.url,
      sessions: mintSessions(gateway.secret, stack.examId, candidates, minutes * 60 + 3600),
      durationSeconds: minutes * 60,
      rampSeconds: Math.max(2, candidates / 100),
      reportEverySeconds: 30,
      onReport: () => undefined,
    });
    const loadEnd = Date.now();
    const caughtUpAt = await stack.caughtUp(catchUpGoalMs * 4).then(
      () => Date.now(),
      () => null,
    );
    samples.push(await sample(ports, config));
    console.log(
      `  load done; caught up ${caughtUpAt === null ? 'not within 2 min' : `after ${(caughtUpAt - loadEnd) / 1000} s`}`,
    );
    clearInterval(sampler);
    const final = samples.at(-1)!;
    const first = samples.find((entry) => entry.at >= start) ?? samples[0]!;
    /** Per second over the samples taken during the load (and the catch-up). */
    const perSampledSecond = (to: number, from: number) => (to - from) / ((final.at - first.at) / 1000);

    const latency: { at: number; ms: number }[] = [];
    for (const message of await readTopicToEnd(kafka, pipeline.topics.ALERTS_TOPIC)) {
      const alert = (await pipeline.serde.decode(message.value)) as AlertEvent;
      if (alert.action === 'OPENED')
        latency.push({ at: Number(message.timestamp), ms: Number(message.timestamp) - alert.eventTime });
    }
    const sorted = latency.map(({ ms }) => ms).sort((a, b) => a - b);
    const inKafka = await withAdmin(kafka, async (admin) => {
      let total = 0;
      for (const variable of ingestKinds) total += await endOffsetTotal(admin, pipeline.topics[variable]);
      return total;
    });
    const acked = final.recordsIn.ingest!;
    const seconds = (loadEnd - start) / 1000;
    const result = {
      candidates,
      seconds,
      alerts: latency.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      lost: Math.max(0, acked - inKafka) + unackedRecords,
      acked,
      inKafka,
      catchUpSeconds: caughtUpAt === null ? null : (caughtUpAt - loadEnd) / 1000,
      maxLag: Math.max(...samples.map((entry) => Object.values(entry.lag).reduce((a, b) => a + b, 0))),
      processes: Object.keys(ports).map((name) => ({
        name,
        perSecond: perSampledSecond(final.recordsIn[name]!, first.recordsIn[name]!),
        records: final.recordsIn[name]!,
        cores: perSampledSecond(final.cpuSeconds[name]!, first.cpuSeconds[name]!),
        rssMiB: Math.max(...samples.map((entry) => entry.rssBytes[name] ?? 0)) / 1024 / 1024,
        msPerRecord: perRecordMs(first, final, name),
        commitsPerSecond: perSampledSecond(final.commits[name]!, first.commits[name]!),
      })),
      simulatorCores: perSampledSecond(final.simulatorCpuSeconds, first.simulatorCpuSeconds),
      services: Object.keys(final.serviceCpuSeconds).map((name) => ({
        name,
        cores: perSampledSecond(final.serviceCpuSeconds[name]!, first.serviceCpuSeconds[name] ?? 0),
      })),
    };
    const png = `e2e-${stamp}-${candidates}.png`;
    await plot(path.join(outDir, png), `${candidates} candidates, ${minutes} min`, latency, samples, start, loadEnd);
    const passed =
      result.p99 < latencyGoalMs &&
      result.catchUpSeconds !== null &&
      result.catchUpSeconds * 1000 <= catchUpGoalMs &&
      result.lost === 0 &&
      stack.crashes.length === 0;
    for (const crash of stack.crashes) console.error(`  a stage crashed (a step with a crash fails): ${crash}`);
    return { ...result, png, passed };
  } finally {
    clearInterval(sampler);
    // A teardown that fails (ClickHouse still busy with the step's inserts: its DROP DATABASE timed
    // out after a 3-minute step at 20 candidates) must not throw away the step's figures.
    await stack.close().catch((error: unknown) => console.error(`  teardown failed, figures kept: ${String(error)}`));
  }
}

runMain('bench:e2e', async () => {
  const { values } = parseArgs({
    options: { candidates: { type: 'string', default: '10,20,40' }, minutes: { type: 'string', default: '2' } },
  });
  const searching = values.candidates.startsWith('search');
  const steps = searching ? [Number(values.candidates.split(':')[1] ?? 10)] : values.candidates.split(',').map(Number);
  const minutes = Number(values.minutes);
  if (steps.some((n) => !Number.isInteger(n) || n <= 0) || !(minutes > 0)) throw new ConfigError(usage);
  const tried: { candidates: number; passed: boolean }[] = [];
  const stepsToRun = function* () {
    if (!searching) return yield* steps;
    for (let next = nextStep(tried, steps[0]!); next !== null; next = nextStep(tried, steps[0]!)) yield next;
  };
  const config = loadInfraConfig();
  const outDir = repoPath('bench-results');
  await mkdir(outDir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const lines = [
    `# End-to-end benchmark, ${new Date().toISOString()}`,
    '',
    `This machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; broker, registry, PostgreSQL, ClickHouse, gateway, one instance of each of the eight stages and the simulator all share it. ${minutes} min of load per step, topics of 12 partitions, the simulator's mix (6 in 10 honest) at its rates. Capture-to-alert: an OPENED alert's Kafka timestamp minus the capture time of the input that opened it. Lost: acknowledged by the gateway but not in Kafka, plus never acknowledged. A step passes with p99 under ${latencyGoalMs / 1000} s, every stage caught up within ${catchUpGoalMs / 1000} s of the load's end, and nothing lost.`,
    '',
    '| candidates | alerts | capture-to-alert p50 / p95 / p99 | max lag (records) | caught up after the load | records acked / in Kafka | lost | passed |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const details: string[] = [];
  for (const candidates of stepsToRun()) {
    console.log(`step: ${candidates} candidates for ${minutes} min`);
    const result = await step(candidates, minutes, outDir, stamp, config);
    lines.push(
      `| ${candidates} | ${result.alerts} | ${result.p50} / ${result.p95} / ${result.p99} ms | ${result.maxLag} | ${result.catchUpSeconds === null ? 'not within 2 min' : `${result.catchUpSeconds.toFixed(0)} s`} | ${result.acked} / ${result.inKafka} | ${result.lost} | ${result.passed ? 'yes' : 'no'} |`,
    );
    console.log(lines.at(-1));
    details.push(
      '',
      `## ${candidates} candidates`,
      '',
      `![latency and lag](${result.png})`,
      '',
      `| process | records in/s | records in | commits/s | CPU (cores) | CPU ms per record | memory max (MiB) | ${phases.join(' | ')} (ms per record, wall) |`,
      `|---|---|---|---|---|---|---|${phases.map(() => '---|').join('')}`,
      ...result.processes.map(
        (process) =>
          `| ${process.name} | ${process.perSecond.toFixed(1)} | ${process.records} | ${process.commitsPerSecond.toFixed(1)} | ${process.cores.toFixed(2)} | ${process.perSecond > 0 ? ((process.cores * 1000) / process.perSecond).toFixed(1) : '-'} | ${process.rssMiB.toFixed(0)} | ${phases.map((phase) => process.msPerRecord.phases[phase].toFixed(1)).join(' | ')} |`,
      ),
      ...result.services.map(
        (service) =>
          `| ${service.name} (service) | | | | ${service.cores.toFixed(2)} | | | ${phases.map(() => '').join(' | ')} |`,
      ),
      `| simulator (bench:e2e itself) | | | | ${result.simulatorCores.toFixed(2)} | | | ${phases.map(() => '').join(' | ')} |`,
      '',
      `Per candidate: ${(result.processes.reduce((sum, process) => sum + process.cores, 0) / candidates).toFixed(3)} cores in the pipeline's processes, ${(result.services.reduce((sum, service) => sum + service.cores, 0) / candidates).toFixed(3)} in the services.`,
      '',
      `Models, wall ms per record: ${result.processes
        .filter((process) => Object.keys(process.msPerRecord.models).length > 0)
        .map(
          (process) =>
            `${process.name}: ${Object.entries(process.msPerRecord.models)
              .map(([model, ms]) => `${model} ${ms.toFixed(1)}`)
              .join(', ')}`,
        )
        .join('; ')}.`,
    );
    tried.push({ candidates, passed: result.passed });
  }
  const passed = tried.filter((result) => result.passed).map((result) => result.candidates);
  const largest = passed.length > 0 ? Math.max(...passed) : 0;
  lines.push('', `Largest number of candidates that passed: **${largest || 'none'}**.`, ...details, '');
  const report = path.join(outDir, `e2e-${stamp}.md`);
  await writeFile(report, lines.join('\n'));
  console.log(`\nreport: ${report}`);
});
