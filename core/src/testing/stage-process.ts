import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath } from '../paths.ts';

/** A stage run as its own process, the way production runs it (a stage binary, e.g. `npm run stage -- <name>`). */
export interface StageProcess {
  readonly child: ChildProcess;
  /** Resolves with the operations port once the stage consumes. */
  readonly started: Promise<number>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Everything the process printed, for assertion messages. */
  output(): string;
}

/** Runs stage `name` of the stage binary `binary` (a path from the repository root) with `env` on top of this process's. */
export function spawnStage(binary: string, name: string, env: Record<string, string>): StageProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', repoPath(binary), name], {
    cwd: repoPath('.'),
    // The broker's smallest session timeout: a killed instance's partitions move on within seconds.
    // eslint-disable-next-line no-restricted-properties -- the stage gets this environment plus the test's
    env: { ...process.env, LOG_LEVEL: 'info', STAGE_HTTP_PORT: '0', STAGE_SESSION_TIMEOUT_MS: '6000', ...env },
    // The IPC channel ties the stage to this process: it stops when the test process ends.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.includes('"stage started"'));
      if (line) resolve((JSON.parse(line) as { httpPort: number }).httpPort);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`stage ${name} exited with ${code} before it started:\n${output}`)));
  });
  started.catch(() => undefined);
  return { child, started, exited, output: () => output };
}

/** SIGKILL: no batch finishes, no transaction commits, the group only notices after its session timeout. */
export async function killStage(stage: StageProcess): Promise<void> {
  stage.child.kill('SIGKILL');
  await stage.exited;
}

/** Runs one of the runtime's fixture stages (testing/stages.ts). */
export const spawnFixtureStage = (name: string, env: Record<string, string>) =>
  spawnStage('core/src/testing/fixture-stage.ts', name, env);
