import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { loadConfig, servicesSpec } from '../config.ts';
import { createKafka } from '../kafka.ts';
import { createLogger } from '../logger.ts';
import { createClickHouse, withClickHouseDatabase } from '../databases.ts';
import { migrateClickHouse, migratePostgres } from '../migrations.ts';
import { localServicesSpec, repoPath } from '../paths.ts';
import { partitionEnds, readPartitionsToEnd } from '../read-to-end.ts';

/** Shared helpers for integration tests, which run against the services infra/up started. */

export { spawnFixtureStage, spawnStage, killStage, type StageProcess } from './stage-process.ts';
export { createTestTopics, TestTopics, topicOfKind, type TopicVariable } from './topics.ts';
export { examPolicy } from './policies.ts';
export { TcpLink } from './tcp-link.ts';

export const servicesConfig = () => loadConfig(servicesSpec);

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) the Kafka broker `npm start` runs: connections stay open
 * but nothing answers, as when a broker hangs or its network drops. Always thaw in a finally.
 */
export function signalLocalKafka(signal: 'SIGSTOP' | 'SIGCONT'): void {
  const { SERVICES_DIR } = loadConfig(localServicesSpec);
  const pidFile = path.join(SERVICES_DIR, 'kafka', 'kafka.pid');
  if (!existsSync(pidFile)) {
    throw new Error(`no ${pidFile}: this test needs the Kafka broker that npm start runs from this checkout`);
  }
  process.kill(Number(readFileSync(pidFile, 'utf8')), signal);
}

/** A name no other test run uses, e.g. `it.serde.k3j9x2`, for topics, databases and groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Resolves once `${url}/readyz` answers 200; fails if `child` (the process serving it) exits first. */
export async function waitForReady(url: string, child: ChildProcess, name: string): Promise<void> {
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A TCP port free right now, for a server whose address must be known before it starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function testKafka(): Kafka {
  const config = servicesConfig();
  return createKafka('proctoflex-test', config.KAFKA_BROKERS, createLogger('test', 'error'));
}

export async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Every committed record of `topic`, read to its end (see readPartitionsToEnd). */
export async function readTopicToEnd(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  await readPartitionsToEnd(kafka, topic, 'all', (_, message) => messages.push(message));
  return messages;
}

/** Sum of the end offsets (last stable) of every partition of `topic`. */
export async function endOffsetTotal(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);
}

/** Sum of the offsets `groupId` has committed on `topic` (partitions without a commit count 0). */
export async function committedOffsetTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return committed!.partitions.reduce((sum, { offset }) => sum + Math.max(Number(offset), 0), 0);
}

/** Polls `condition` with an admin client until it holds; the error names `what` was awaited. */
export async function waitUntil(
  kafka: Kafka,
  what: string,
  condition: (admin: Admin) => Promise<boolean>,
  timeoutMs = 300_000,
): Promise<void> {
  await withAdmin(kafka, (admin) => eventually(what, () => condition(admin), timeoutMs));
}

/** Polls `probe` every 100 ms until it gives a value (not undefined or false), and resolves with it. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 300_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How often a running stage (by its operations port) has retried `operation` (stage_retries_total). */
export async function stageRetries(port: number, operation: string): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((text) => text.startsWith('stage_retries_total{') && text.includes(`operation="${operation}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Resolves once `groupId` has committed offsets at the end of every partition of `topic`. */
export function waitForGroupCaughtUp(kafka: Kafka, groupId: string, topic: string, timeoutMs?: number): Promise<void> {
  // A group never commits past the end, so equal totals mean every partition is caught up. The
  // end is the high watermark: the last transaction into `topic` may still be writing its markers.
  const highTotal = async () =>
    [...(await partitionEnds(kafka, topic)).values()].reduce((sum, { high }) => sum + high, 0);
  return waitUntil(
    kafka,
    `${groupId} to catch up on ${topic}`,
    async (admin) => (await committedOffsetTotal(admin, groupId, topic)) >= (await highTotal()),
    timeoutMs,
  );
}

/**
 * A PostgreSQL database of its own with the pipeline's migrations applied: `url` points a
 * process at it; drop() removes it.
 */
export async function createTestDatabase(prefix: string) {
  const { DATABASE_URL } = servicesConfig();
  const database = uniqueName(prefix);
  // One connection per statement: a drill may restart the server in between.
  const asAdmin = async (sql: string) => {
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  await asAdmin(`CREATE DATABASE ${database}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  // pool.end() resolves before its backends have exited, so DROP ... WITH (FORCE) may still
  // terminate one of its idle clients: that is the drop, not a failure of the test.
  pool.on('error', () => undefined);
  const client = await pool.connect();
  try {
    await migratePostgres(client, repoPath('infra/postgres/migrations'));
  } finally {
    client.release();
  }
  return {
    url: url.toString(),
    pool,
    drop: async () => {
      await pool.end();
      await asAdmin(`DROP DATABASE ${database} WITH (FORCE)`);
    },
  };
}

/** A ClickHouse database of its own with the analytics migrations applied; drop() removes it. */
export async function createTestClickHouse(prefix: string) {
  const { CLICKHOUSE_URL } = servicesConfig();
  const database = uniqueName(prefix);
  // A client per statement: idle sockets go stale when a drill restarts the server in between.
  const onServer = async (query: string) => {
    const server = createClickHouse(CLICKHOUSE_URL);
    try {
      await server.command({ query });
    } finally {
      await server.close();
    }
  };
  await onServer(`CREATE DATABASE ${database}`);
  const url = withClickHouseDatabase(CLICKHOUSE_URL, database);
  const client = createClickHouse(url);
  await migrateClickHouse(client, repoPath('infra/clickhouse/migrations'));
  return {
    url,
    client,
    drop: async () => {
      await client.close();
      await onServer(`DROP DATABASE ${database}`);
    },
  };
}
