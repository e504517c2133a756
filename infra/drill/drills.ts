import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { committedOffsetTotal, testKafka, withAdmin } from '@proctoflex/core/testing';
import type { servicesOf } from '../services.ts';
import type { IsolatedStack } from '../stack.ts';

type Services = ReturnType<typeof servicesOf>;

/** A fault injected while candidates stream; resolves once it is over, with findings of its own. */
export interface Drill {
  readonly name: string;
  readonly what: string;
  inject(stack: IsolatedStack, services: Services): Promise<string[]>;
}

/** How long the evidence directory stays full and the registry and ClickHouse stay away. */
const diskFullMs = 30_000;
const registryOutageMs = 30_000;
const clickHouseOutageMs = 60_000;

/** `service` stopped, and started again `downMs` later. */
function outage(name: string, what: string, service: keyof Services, downMs: number): Drill {
  return {
    name,
    what,
    async inject(_, services) {
      await services[service].down();
      await delay(downMs);
      await services[service].up();
      return [];
    },
  };
}

/** Writes `file` until the disk it is on has no space left. */
async function fillUp(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}

export const drills: readonly Drill[] = [
  {
    name: 'stage-sigkill',
    what: 'SIGKILL each of the eight stages in turn, each restarted 2 s later under the same name',
    async inject(stack) {
      for (const name of stack.stageNames) {
        await stack.killStage(name, 2000);
        await delay(3000);
      }
      return [];
    },
  },
  outage('kafka-restart', 'the Kafka broker stopped and started again', 'kafka', 5000),
  outage('clickhouse-down', `ClickHouse stopped for ${clickHouseOutageMs / 1000} s`, 'clickhouse', clickHouseOutageMs),
  outage('postgres-restart', 'PostgreSQL stopped (fast shutdown) and started again', 'postgres', 5000),
  {
    name: 'gateway-restart',
    what: 'the ingest gateway SIGKILLed while clients stream, and started again on its port',
    async inject(stack) {
      await stack.gateway.restart();
      return [];
    },
  },
  outage(
    'registry-outage',
    `the schema registry stopped for ${registryOutageMs / 1000} s`,
    'registry',
    registryOutageMs,
  ),
  {
    name: 'evidence-disk-full',
    what: `the evidence disk full for ${diskFullMs / 1000} s`,
    async inject(stack) {
      const filler = path.join(stack.evidenceDir, 'filler');
      const scoresWritten = () =>
        withAdmin(testKafka(), (admin) =>
          committedOffsetTotal(admin, stack.stageGroup('clickhouse-sink'), stack.topic('SCORES_TOPIC')),
        );
      const loggedBefore = stack.stageOutput('evidence-sink').length;
      await fillUp(filler);
      const writtenBefore = await scoresWritten();
      await delay(diskFullMs);
      const findings: string[] = [];
      if ((await scoresWritten()) <= writtenBefore)
        findings.push('disk full: the ClickHouse sink wrote no scores while the evidence disk was full');
      const logged = stack.stageOutput('evidence-sink').slice(loggedBefore);
      if (!/the evidence store did not take the file/.test(logged) || !/ENOSPC/.test(logged))
        findings.push('disk full: the evidence sink logged no error naming the full disk (ENOSPC)');
      await rm(filler);
      return findings;
    },
  },
];
