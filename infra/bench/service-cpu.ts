import { readdirSync, readFileSync } from 'node:fs';
import type { InfraConfig } from '../config.ts';
import { servicesOf } from '../services.ts';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux we run on). */
const ticksPerSecond = 100;

/** utime, stime, cutime, cstime (seconds) and the parent pid of a process, or null when it is gone. */
function statOf(pid: number): { own: number; children: number; parent: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces: the fields after it start past its ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]) / ticksPerSecond);
  return { own: utime! + stime!, children: cutime! + cstime!, parent: Number(fields[1]) };
}

/**
 * CPU seconds each local service (broker, registry, PostgreSQL, ClickHouse) has used since it
 * started: the process, its threads, its children alive now (PostgreSQL's backends) and those
 * it has reaped. Services not started by infra/up (external ones) are left out.
 */
export function serviceCpuSeconds(config: InfraConfig): Record<string, number> {
  const services = servicesOf(config);
  const roots = {
    broker: services.kafka.pid(),
    registry: services.registry.pid(),
    postgres: services.postgres.pid(),
    clickhouse: services.clickhouse.pid(),
  };
  // Every process's times, read once: a service's children are found by their parent's pid.
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      const stat = statOf(Number(name));
      return stat ? [{ pid: Number(name), ...stat }] : [];
    });
  const cpu: Record<string, number> = {};
  for (const [service, pid] of Object.entries(roots)) {
    const root = pid === null ? undefined : stats.find((stat) => stat.pid === pid);
    if (!root) continue;
    const children = stats.filter((stat) => stat.parent === pid).reduce((sum, child) => sum + child.own, 0);
    cpu[service] = root.own + root.children + children;
  }
  return cpu;
}
