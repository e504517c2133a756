import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { repoPath } from '@proctoflex/core';
import { pipelineStages } from '@proctoflex/pipeline';
import type { InfraConfig } from './config.ts';
import { ManagedProcess, progress, waitFor } from './lib.ts';

/** One process of the pipeline as `npm start` runs it here: its entry, arguments, operations port and variables. */
export interface PipelineProcess {
  readonly name: string;
  readonly entry: string;
  readonly args: readonly string[];
  /** Its /metrics, /healthz and /readyz. */
  readonly operationsPort: number;
  readonly env: Record<string, string>;
}

/** Secrets a local stack needs, made once per checkout and kept (mode 600) beside the services' data. */
export interface LocalSecrets {
  readonly INGEST_TOKEN_SECRET: string;
  readonly API_JWT_SECRET: string;
  readonly EVIDENCE_KEY: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
}

export const apiPort = 3000;
export const gatewayPort = 8080;
/** Operations ports (/metrics, /healthz, /readyz) of the gateway and the API, beside the stages'. */
export const gatewayMetricsPort = 9400;
export const apiMetricsPort = 9409;

/** The stages, each with the port of its /metrics, /healthz and /readyz: 9401 onwards, in the registry's order. */
export const stagePorts: Record<string, number> = Object.fromEntries(
  pipelineStages.map(({ name }, index) => [name, gatewayMetricsPort + 1 + index]),
);

export function localSecrets(config: InfraConfig): LocalSecrets {
  const file = path.join(config.SERVICES_DIR, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets: LocalSecrets = {
    INGEST_TOKEN_SECRET: randomBytes(32).toString('hex'),
    API_JWT_SECRET: randomBytes(32).toString('hex'),
    EVIDENCE_KEY: randomBytes(32).toString('base64'),
    adminEmail: 'admin@proctoflex.local',
    adminPassword: randomBytes(12).toString('base64url'),
  };
  mkdirSync(config.SERVICES_DIR, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function pipelineProcesses(secrets: LocalSecrets): PipelineProcess[] {
  const { INGEST_TOKEN_SECRET, API_JWT_SECRET, EVIDENCE_KEY } = secrets;
  return [
    {
      name: 'ingest',
      entry: 'ingest/src/bin/gateway.ts',
      args: [],
      operationsPort: gatewayMetricsPort,
      env: { INGEST_TOKEN_SECRET, INGEST_PORT: String(gatewayPort), INGEST_METRICS_PORT: String(gatewayMetricsPort) },
    },
    ...Object.entries(stagePorts).map(([stage, port]) => ({
      name: stage,
      entry: 'infra/pipeline/stage.ts',
      args: [stage],
      operationsPort: port,
      // A stable instance id: a restarted stage fences its predecessor's open transaction at once.
      env: { STAGE_HTTP_PORT: String(port), STAGE_INSTANCE_ID: `local-${stage}`, EVIDENCE_KEY },
    })),
    {
      name: 'api',
      entry: 'api/src/bin/api.ts',
      args: [],
      operationsPort: apiMetricsPort,
      env: {
        API_PORT: String(apiPort),
        API_METRICS_PORT: String(apiMetricsPort),
        API_JWT_SECRET,
        INGEST_TOKEN_SECRET,
        EVIDENCE_KEY,
        API_INGEST_URL: `http://127.0.0.1:${gatewayPort}`,
        API_BOOTSTRAP_ADMIN_EMAIL: secrets.adminEmail,
        API_BOOTSTRAP_ADMIN_PASSWORD: secrets.adminPassword,
      },
    },
  ];
}

/** The supervisor of the local pipeline (infra/supervisor.ts), found by its pid file. */
export const supervisorOf = (config: InfraConfig) =>
  new ManagedProcess('supervisor', path.join(config.SERVICES_DIR, 'pipeline'));

/**
 * Starts the pipeline's supervisor unless it runs (it starts and keeps running the gateway, the
 * eight stages and the API, the dashboard and the browser candidate client built first), then waits until each process answers
 * /readyz on its operations port. A second run reuses what runs; a process that exited has been
 * started again by the supervisor already.
 */
export async function startPipeline(config: InfraConfig): Promise<LocalSecrets> {
  const secrets = localSecrets(config);
  const processes = pipelineProcesses(secrets);
  const supervisor = supervisorOf(config);
  if (supervisor.runningPid() === null) {
    progress('dashboard', 'building, with the browser candidate client');
    await build({ configFile: repoPath('dashboard/vite.config.ts'), logLevel: 'warn' });
    await build({ configFile: repoPath('desktop/vite.config.ts'), logLevel: 'warn' });
    supervisor.start(process.execPath, ['--import', 'tsx', repoPath('infra/supervisor.ts')], {
      cwd: repoPath('.'),
      // eslint-disable-next-line no-restricted-properties -- the supervisor and its processes get this environment
      env: process.env,
    });
  }
  let ready = 0;
  await Promise.all(
    processes.map(async ({ name, operationsPort }) => {
      await waitFor(
        name,
        async () =>
          (await fetch(`http://127.0.0.1:${operationsPort}/readyz`, { signal: AbortSignal.timeout(2000) })).ok,
        { timeoutMs: 180_000, logFile: path.join(config.SERVICES_DIR, 'pipeline', `${name}.log`) },
      );
      ready += 1;
      progress('pipeline', `${name} ready on :${operationsPort} (${ready}/${processes.length})`);
    }),
  );
  return secrets;
}

/** Stops the supervisor, which stops the pipeline's processes side by side (SIGTERM: each drains and commits). */
export async function stopPipeline(config: InfraConfig): Promise<void> {
  if (await supervisorOf(config).stop(90_000)) progress('pipeline', 'stopped');
}
