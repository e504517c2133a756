import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A service runs here when its address is on this machine; anything else is an external server we only use. */
export function isLocalHost(host: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
}

export function progress(service: string, message: string): void {
  console.log(`${service.padEnd(10)} ${message}`);
}

export async function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    return await execFileAsync(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${(stderr || stdout || String(error)).trim()}`, {
      cause: error,
    });
  }
}

let aptUpdated = false;
/** apt-get runs one at a time (dpkg holds a lock): services started side by side queue here. */
let aptQueue: Promise<unknown> = Promise.resolve();

/**
 * Installs Debian packages when `command` is missing. Only root can, so anyone else gets the
 * apt-get line to run.
 */
export function ensureCommand(command: string, debianPackages: string[]): Promise<void> {
  const installed = aptQueue.then(() => install(command, debianPackages));
  aptQueue = installed.catch(() => undefined);
  return installed;
}

async function install(command: string, debianPackages: string[]): Promise<void> {
  if (await commandExists(command)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${command} is missing: run  sudo apt-get install -y ${debianPackages.join(' ')}`);
  }
  progress('apt', `installing ${debianPackages.join(' ')} (for ${command})`);
  // eslint-disable-next-line no-restricted-properties -- apt-get inherits PATH and proxies, and must not ask questions
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await run('apt-get', ['update', '-q'], { env });
    aptUpdated = true;
  }
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...debianPackages], { env });
  if (!(await commandExists(command)))
    throw new Error(`${command} is still missing after installing ${debianPackages.join(' ')}`);
}

async function commandExists(command: string): Promise<boolean> {
  if (command.startsWith('/')) return existsSync(command);
  try {
    await execFileAsync('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

export function isPortOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const settle = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000);
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}

/** Polls `probe` until it returns true; on timeout the error carries the tail of the service log. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs, logFile }: { timeoutMs: number; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await delay(250);
  }
  const logTail = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  throw new Error(
    `${what} not ready after ${timeoutMs / 1000} s${logFile ? `; last lines of ${logFile}:\n${logTail}` : ''}`,
  );
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processLives(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (the postgres user's postmaster, seen by a non-root caller).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process started by infra/up: it outlives infra/up, and infra/down finds it by its pid file. */
export class ManagedProcess {
  readonly pidFile: string;

  constructor(
    readonly name: string,
    readonly directory: string,
  ) {
    this.pidFile = path.join(directory, `${name}.pid`);
  }

  get logFile(): string {
    return path.join(this.directory, `${this.name}.log`);
  }

  start(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): void {
    mkdirSync(this.directory, { recursive: true });
    const log = openSync(this.logFile, 'a');
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', log, log] });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    writeFileSync(this.pidFile, String(child.pid));
    child.unref();
  }

  runningPid(): number | null {
    if (!existsSync(this.pidFile)) return null;
    const pid = Number(readFileSync(this.pidFile, 'utf8'));
    return processLives(pid) ? pid : null;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 30_000): Promise<boolean> {
    const pid = this.runningPid();
    rmSync(this.pidFile, { force: true });
    if (pid === null) return false;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0);
      } catch {
        return true;
      }
      await delay(200);
    }
    process.kill(pid, 'SIGKILL');
    return true;
  }
}

/**
 * Runs a Maven goal that fills `outputDir` from `pom`, once: the output is kept until the pom
 * changes (its hash is stored beside the output), then rebuilt from scratch.
 */
export async function fetchMavenOnce(pom: string, outputDir: string, service: string, goal: string[]): Promise<void> {
  const stamp = path.join(outputDir, '.pom-sha256');
  const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pomHash) return;
  await ensureCommand('mvn', ['maven']);
  progress(service, `fetching from Maven Central (${path.relative(process.cwd(), pom)})`);
  rmSync(outputDir, { recursive: true, force: true });
  await run('mvn', ['-q', '-B', '-f', pom, ...goal]);
  writeFileSync(stamp, pomHash);
}
