import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createLogger,
  createMetricsRegistry,
  repoPath,
  type RecordKind,
  mintIngestToken,
  type IngestClaims,
} from '@proctoflex/core';
import { freePort, testKafka, TestTopics, topicOfKind, uniqueName, waitForReady } from '@proctoflex/core/testing';
import { IngestClientError } from '@proctoflex/ingest-client';
import { loadIngestConfig } from './config.ts';
import { Gateway } from './gateway.ts';

/** A gateway in this process on its own pipeline topics (3 partitions each), for integration tests; `topics` by record kind. */
export async function startTestGateway(overrides: Record<string, string> = {}) {
  const kafka = testKafka();
  const pipeline = await TestTopics.create(kafka, 'it.ingest');
  const topics = Object.fromEntries(
    Object.entries(topicOfKind).map(([kind, variable]) => [kind, pipeline.topics[variable]]),
  ) as Record<RecordKind, string>;
  const secret = randomBytes(32).toString('hex');
  const config = loadIngestConfig({
    INGEST_TOKEN_SECRET: secret,
    INGEST_PORT: '0',
    INGEST_METRICS_PORT: '0',
    ...pipeline.topics,
    ...overrides,
  });
  const gateway = new Gateway(config, createLogger('ingest', 'warn'), createMetricsRegistry('ingest'));
  const port = await gateway.start();
  return {
    gateway,
    kafka,
    pipeline,
    topics,
    secret,
    baseUrl: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${gateway.metricsPort}/metrics`,
    token: (claims: IngestClaims, ttlSeconds = 600) => mintIngestToken(secret, claims, ttlSeconds),
    stop: async () => {
      await gateway.stop();
      await pipeline.close();
    },
  };
}

export function newSessionClaims(): IngestClaims {
  return { sessionId: uniqueName('session'), examId: 'exam-it', candidateId: uniqueName('candidate') };
}

/**
 * A gateway process, as `npm run ingest` runs it (`/metrics` on `metricsPort`), with `env` (topic variables) on top of this
 * process's environment; resolves once it is ready. For benchmarks and drills that load it with
 * the simulator; `restart` kills it (SIGKILL) and starts another on the same port and secret.
 */
export async function spawnGateway(env: Record<string, string>) {
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const metricsPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', repoPath('ingest/src/bin/gateway.ts')], {
      cwd: repoPath('.'),
      env: {
        // eslint-disable-next-line no-restricted-properties -- the gateway gets this environment plus the caller's
        ...process.env,
        LOG_LEVEL: 'error',
        INGEST_TOKEN_SECRET: secret,
        INGEST_PORT: String(port),
        INGEST_METRICS_PORT: String(metricsPort),
        ...env,
      },
      // The IPC channel ties the gateway to this process: it stops when the caller ends.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitForReady(url, child, 'the gateway');
    return { child, exited };
  };
  let gateway = await start();
  return {
    url,
    metricsPort,
    secret,
    stop: () => gateway.child.kill('SIGTERM'),
    restart: async () => {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
      gateway = await start();
    },
  };
}

/** The refusal `attempt` ends in; fails the test when the gateway accepts. */
export async function refusalOf(attempt: Promise<unknown>): Promise<IngestClientError> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof IngestClientError) return error;
    throw error;
  }
  assert.fail('the gateway accepted what it should refuse');
}
