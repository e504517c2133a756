import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  decryptEvidence,
  type AlertEvent,
  type AudioChunk,
  type DetectorScore,
  type FrameCaptured,
  type ProcessSnapshot,
  type RiskUpdate,
  type SessionEvent,
} from '@proctoflex/core';
import {
  createTestClickHouse,
  createTestDatabase,
  examPolicy,
  readTopicToEnd,
  testKafka,
  uniqueName,
  type TopicVariable,
} from '@proctoflex/core/testing';
import { pipelineStages } from '@proctoflex/pipeline';
import { TestPipeline, type TestStage } from '@proctoflex/pipeline/testing';
import { behaviours, mintSessions, runSimulation } from '@proctoflex/ingest/sim';
import { spawnGateway } from '@proctoflex/ingest/testing';

import type { DrillRecords } from './drill/verify.ts';
import { run } from './lib.ts';

/** A stage instance the drill runs, and what happened to it that nobody asked for. */
interface RunningStage {
  /** Its process, under its stage name; replaced when it is restarted. */
  running: TestStage;
  /** Set while the drill itself kills the stage, so its exit is not a crash. */
  killing: boolean;
  /** Its operations port, once it started. */
  port: number;
}

/**
 * The whole pipeline on topics, databases and an evidence directory of its own: the gateway and
 * one process of each of the eight stages, run as production runs them, for the end-to-end
 * benchmark and the fault drills (which kill any of them, or the services beneath). Stages that
 * exit unasked are restarted and reported in `crashes`.
 */
export class IsolatedStack {
  readonly crashes: string[] = [];
  readonly examId = uniqueName('stack-exam');
  /** The object stage scores every n-th webcam frame: the drills count the scores it owes with this. */
  readonly objectEveryNth = 3;
  private readonly stages = new Map<string, RunningStage>();
  private closed = false;

  private constructor(
    readonly kafkaPipeline: TestPipeline,
    readonly database: Awaited<ReturnType<typeof createTestDatabase>>,
    readonly clickhouse: Awaited<ReturnType<typeof createTestClickHouse>>,
    readonly evidenceDir: string,
    private readonly evidenceMounted: boolean,
    readonly evidenceKey: Buffer,
    readonly gateway: Awaited<ReturnType<typeof spawnGateway>>,
  ) {}

  /**
   * Starts everything, with topics of `partitions` partitions named after `prefix`. With
   * `evidenceBytes` the evidence directory is a tmpfs of that size (root only: mount), so that a
   * drill can fill it for real.
   */
  static async start(options: { prefix: string; partitions: number; evidenceBytes?: number }): Promise<IsolatedStack> {
    const { prefix, partitions, evidenceBytes } = options;
    const pipeline = await TestPipeline.create(testKafka(), prefix, partitions);
    const database = await createTestDatabase(prefix.replace(/\W/g, '_'));
    const clickhouse = await createTestClickHouse(prefix.replace(/\W/g, '_'));
    const evidenceDir = await mkdtemp(path.join(tmpdir(), `${prefix}-evidence-`));
    if (evidenceBytes !== undefined)
      await run('mount', ['-t', 'tmpfs', '-o', `size=${evidenceBytes}`, 'proctoflex-evidence', evidenceDir]);
    const gateway = await spawnGateway(pipeline.topics);
    const stack = new IsolatedStack(
      pipeline,
      database,
      clickhouse,
      evidenceDir,
      evidenceBytes !== undefined,
      randomBytes(32),
      gateway,
    );
    await pipeline.produce('POLICIES_TOPIC', [examPolicy(stack.examId)], () => stack.examId);
    await Promise.all(pipelineStages.map(({ name }) => stack.startStage(name, uniqueName(`${prefix}-${name}`))));
    return stack;
  }

  /** The operations port of the gateway (`ingest`) and of each stage, by name. */
  get ports(): Record<string, number> {
    return {
      ingest: this.gateway.metricsPort,
      ...Object.fromEntries([...this.stages].map(([name, { port }]) => [name, port])),
    };
  }

  get stageNames(): string[] {
    return [...this.stages.keys()];
  }

  private get stageEnv(): Record<string, string> {
    return {
      DATABASE_URL: this.database.url,
      CLICKHOUSE_URL: this.clickhouse.url,
      EVIDENCE_KEY: this.evidenceKey.toString('base64'),
      EVIDENCE_DIR: this.evidenceDir,
      OBJECT_EVERY_NTH_FRAME: String(this.objectEveryNth),
    };
  }

  private async startStage(name: string, stageName: string): Promise<void> {
    const running = this.kafkaPipeline.spawnStage(name, this.stageEnv, stageName);
    const { process } = running;
    const stage: RunningStage = { running, killing: false, port: 0 };
    this.stages.set(name, stage);
    void process.exited.then((code) => {
      if (stage.killing || this.closed) return;
      const lastLines = process.output().trim().split('\n').slice(-3).join('\n');
      this.crashes.push(`${name} exited with ${code} unasked; restarted. Its last lines:\n${lastLines}`);
      void this.startStage(name, stageName);
    });
    stage.port = await process.started;
  }

  /** SIGKILL, then a new process under the same stage name (group, changelog), as a supervisor restarts it. */
  async killStage(name: string, downMs: number): Promise<void> {
    const stage = this.stages.get(name)!;
    stage.killing = true;
    stage.running.process.child.kill('SIGKILL');
    await stage.running.process.exited;
    await delay(downMs);
    await this.startStage(name, stage.running.stageName);
  }

  /** The last log message of stage `name` that mentions `text`, if any. */
  stageLogOf(name: string, text: string): string | undefined {
    const line = this.stageOutput(name)
      .split('\n')
      .findLast((entry) => entry.includes(text));
    return line && (/"msg":"([^"]*)"/.exec(line)?.[1] ?? line);
  }

  stageOutput(name: string): string {
    return this.stages.get(name)!.running.process.output();
  }

  stageGroup(name: string): string {
    return `proctoflex.${this.stages.get(name)!.running.stageName}`;
  }

  topic(variable: TopicVariable): string {
    return this.kafkaPipeline.topics[variable];
  }

  /**
   * `candidates` simulated desktops stream through the gateway until `during` has run (it starts
   * after `warmupMs`) and `afterMs` more; resolves with its result and what was never acknowledged.
   */
  async load<T>(candidates: number, warmupMs: number, during: () => Promise<T>, afterMs: number) {
    const stop = new AbortController();
    const simulation = runSimulation({
      gatewayUrl: this.gateway.url,
      sessions: mintSessions(this.gateway.secret, this.examId, candidates, 3 * 3600),
      durationSeconds: 3 * 3600,
      // One honest candidate and one of each misbehaviour, so that every rule raises alerts to lose.
      behaviourOf: (index) => behaviours[index % behaviours.length]!,
      rampSeconds: 2,
      reportEverySeconds: 1,
      onReport: () => undefined,
      signal: stop.signal,
    });
    let result: T;
    try {
      await delay(warmupMs);
      result = await during();
      await delay(afterMs);
    } finally {
      stop.abort();
    }
    return { result, unacked: (await simulation).unackedRecords };
  }

  /** Resolves once every stage has committed the end of each of its inputs. */
  async caughtUp(timeoutMs: number): Promise<void> {
    await Promise.all(
      [...this.stages.values()].map(({ running }) => this.kafkaPipeline.stageCaughtUp(running, timeoutMs)),
    );
  }

  /** Every committed record of the pipeline's topics, decoded, in partition order. */
  async records(): Promise<DrillRecords> {
    const read = async <T>(variable: TopicVariable) => {
      const messages = await readTopicToEnd(testKafka(), this.topic(variable));
      const values: T[] = [];
      for (const message of messages) values.push((await this.kafkaPipeline.serde.decode(message.value)) as T);
      return values;
    };
    const frames = await read<FrameCaptured>('FRAMES_TOPIC');
    return {
      // The JPEGs are not needed and would be most of the memory.
      frames: frames.map(({ sessionId, seq, source, enrolment }) => ({ sessionId, seq, source, enrolment })),
      audio: (await read<AudioChunk>('AUDIO_TOPIC')).map(({ sessionId, seq }) => ({ sessionId, seq })),
      processes: await read<ProcessSnapshot>('PROCESS_TOPIC'),
      sessions: await read<SessionEvent>('SESSIONS_TOPIC'),
      scores: await read<DetectorScore>('SCORES_TOPIC'),
      risk: await read<RiskUpdate>('RISK_TOPIC'),
      alerts: await read<AlertEvent>('ALERTS_TOPIC'),
    };
  }

  /** Rows per table, counted with FINAL (a replayed batch once), as analysts query them. */
  async clickHouseCounts(tables: readonly string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const result = await this.clickhouse.client.query({
        query: `SELECT count() AS rows FROM ${table} FINAL`,
        format: 'JSONEachRow',
      });
      counts[table] = Number((await result.json<{ rows: string }>())[0]!.rows);
    }
    return counts;
  }

  /**
   * Opened alerts without their three evidence files (strip, thumbnail, clip) listed in PostgreSQL,
   * stored and decrypting to the size listed; each with how many it has.
   */
  async alertsWithoutEvidence(alertIds: readonly string[]): Promise<{ alertId: string; files: number }[]> {
    const { rows } = await this.database.pool.query<{ alert_id: string; storage_key: string; byte_size: number }>(
      'SELECT alert_id, storage_key, byte_size FROM alert_evidence',
    );
    const complete = new Map<string, number>();
    for (const row of rows) {
      const sealed = await readFile(path.join(this.evidenceDir, row.storage_key)).catch(() => null);
      if (sealed && decryptEvidence(this.evidenceKey, row.storage_key, sealed).length === Number(row.byte_size))
        complete.set(row.alert_id, (complete.get(row.alert_id) ?? 0) + 1);
    }
    return alertIds
      .map((alertId) => ({ alertId, files: complete.get(alertId) ?? 0 }))
      .filter(({ files }) => files !== 3);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.gateway.stop();
    try {
      await this.kafkaPipeline.close();
      await this.database.drop();
      await this.clickhouse.drop();
    } finally {
      if (this.evidenceMounted) await run('umount', [this.evidenceDir]);
      await rm(this.evidenceDir, { recursive: true, force: true });
    }
  }
}
