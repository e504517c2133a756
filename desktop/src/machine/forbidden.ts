import { ApplicationRules, canonicalApp, type RunningProcess } from '@proctoflex/core/client';

/** An application an exam forbids, running now: its catalogue name and its processes. */
export interface ForbiddenApp {
  readonly name: string;
  readonly pids: number[];
}

/** The running applications an exam allowing `allowedApps` forbids (the app-policy processor's rules), by name. */
export function forbiddenRunning(processes: readonly RunningProcess[], allowedApps: readonly string[]): ForbiddenApp[] {
  const rules = new ApplicationRules(allowedApps);
  const pidsByName = new Map<string, number[]>();
  for (const { pid, name, executablePath } of processes) {
    const forbidden =
      rules.forbiddenName(canonicalApp(name)) ??
      (executablePath ? rules.forbiddenName(canonicalApp(executablePath)) : null);
    if (!forbidden) continue;
    const pids = pidsByName.get(forbidden);
    if (pids) pids.push(pid);
    else pidsByName.set(forbidden, [pid]);
  }
  return [...pidsByName].map(([name, pids]) => ({ name, pids })).sort((a, b) => a.name.localeCompare(b.name));
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as someone this user may not signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already, or not ours to end: what is left running is reported below.
  }
};

/**
 * Ends `pids`: SIGTERM first, so an application may close cleanly (Windows has no such signal and
 * ends it at once), then SIGKILL for those still running after `graceMs`. Resolves with the pids
 * still running after that.
 */
export async function closeProcesses(pids: readonly number[], graceMs = 2000): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs && pids.some(isRunning); waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
  for (const pid of pids.filter(isRunning)) signal(pid, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(isRunning);
}
