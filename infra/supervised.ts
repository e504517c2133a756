import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@proctoflex/core';

/** What the supervisor knows of one process, as it writes it to its status file. */
export interface SupervisedStatus {
  readonly pid: number | null;
  /** Times it exited without being asked and was started again. */
  readonly restarts: number;
  readonly lastExit: { code: number | null; signal: string | null; at: string } | null;
}

const firstDelayMs = 1000;
const longestDelayMs = 30_000;
/** A process that ran this long before it exited starts again at once: its backoff starts over. */
const healthyAfterMs = 60_000;

/**
 * One process of the local pipeline, kept running: started with its log appended to
 * `<directory>/<name>.log`, started again with doubling delays (1 s … 30 s) whenever it exits
 * unasked, always with the same command and environment (a stage keeps its STAGE_INSTANCE_ID,
 * so its successor fences its open transaction at once). Its IPC channel makes it stop when the
 * supervisor goes.
 */
export class Supervised {
  private child: ChildProcess | null = null;
  private restarts = 0;
  private lastExit: SupervisedStatus['lastExit'] = null;
  private delayMs = firstDelayMs;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly command: { file: string; args: readonly string[]; env: NodeJS.ProcessEnv; cwd: string },
    private readonly directory: string,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  get status(): SupervisedStatus {
    return { pid: this.child?.pid ?? null, restarts: this.restarts, lastExit: this.lastExit };
  }

  start(): void {
    mkdirSync(this.directory, { recursive: true });
    const log = openSync(path.join(this.directory, `${this.name}.log`), 'a');
    const startedAt = Date.now();
    const child = spawn(this.command.file, [...this.command.args], {
      cwd: this.command.cwd,
      env: this.command.env,
      stdio: ['ignore', log, log, 'ipc'],
    });
    this.child = child;
    child.on('error', (error) => this.logger.error({ err: error, process: this.name }, 'could not start'));
    child.once('exit', (code, signal) => {
      this.child = null;
      this.lastExit = { code, signal, at: new Date().toISOString() };
      if (this.stopping) return this.onChange();
      if (Date.now() - startedAt >= healthyAfterMs) this.delayMs = firstDelayMs;
      this.restarts += 1;
      this.logger.warn(
        { process: this.name, code, signal, restarts: this.restarts, restartInMs: this.delayMs },
        'process exited: restarting it',
      );
      this.restartTimer = setTimeout(() => this.start(), this.delayMs);
      this.delayMs = Math.min(this.delayMs * 2, longestDelayMs);
      this.onChange();
    });
    this.onChange();
  }

  /** SIGTERM (the process drains), then SIGKILL after `graceMs`; it is not started again. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
