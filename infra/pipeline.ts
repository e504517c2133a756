import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { repoPath } from '@proctoflex/core';
import type { InfraConfig } from './config.ts';
import { ManagedProcess, progress, waitFor } from './lib.ts';

/** One process of the pipeline as `npm start` runs it here: its entry, arguments, port and variables. */
interface PipelineProcess {
  readonly name: string;
  readonly entry: string;
  readonly args: readonly string[];
  readonly port: number;
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

/** The stages, each with the port of its /metrics, /healthz and /readyz. */
export const stagePorts: Record<string, number> = {
  face: 9401,
  object: 9402,
  voice: 9403,
  'app-policy': 9404,
  risk: 9405,
  'alerts-sink': 9406,
  'clickhouse-sink': 9407,
  'evidence-sink': 9408,
};

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

function pipelineProcesses(secrets: LocalSecrets): PipelineProcess[] {
  const { INGEST_TOKEN_SECRET, API_JWT_SECRET, EVIDENCE_KEY } = secrets;
  return [
    {
      name: 'ingest',
      entry: 'ingest/src/bin/gateway.ts',
      args: [],
      port: gatewayPort,
      env: { INGEST_TOKEN_SECRET, INGEST_PORT: String(gatewayPort) },
    },
    ...Object.entries(stagePorts).map(([stage, port]) => ({
      name: stage,
      entry: 'core/src/bin/stage.ts',
      args: [stage],
      port,
      env: { STAGE_HTTP_PORT: String(port), EVIDENCE_KEY },
    })),
    {
      name: 'api',
      entry: 'api/src/bin/api.ts',
      args: [],
      port: apiPort,
      env: {
        API_PORT: String(apiPort),
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

const managed = (config: InfraConfig, name: string) =>
  new ManagedProcess(name, path.join(config.SERVICES_DIR, 'pipeline'));

/**
 * Starts every process of the pipeline that is not running yet (gateway, the eight stages, the
 * API with the dashboard built first), each detached with its pid and log in
 * .services/pipeline/, and waits until each answers /readyz. A second run reuses running ones.
 */
export async function startPipeline(config: InfraConfig): Promise<LocalSecrets> {
  const secrets = localSecrets(config);
  const processes = pipelineProcesses(secrets);
  if (processes.some(({ name }) => managed(config, name).runningPid() === null)) {
    progress('dashboard', 'building');
    await build({ configFile: repoPath('dashboard/vite.config.ts'), logLevel: 'warn' });
  }
  let ready = 0;
  await Promise.all(
    processes.map(async ({ name, entry, args, port, env }) => {
      const managedProcess = managed(config, name);
      if (managedProcess.runningPid() === null) {
        managedProcess.start(process.execPath, ['--import', 'tsx', repoPath(entry), ...args], {
          cwd: repoPath('.'),
          // eslint-disable-next-line no-restricted-properties -- each process gets this environment plus its own variables
          env: { ...process.env, ...env },
        });
      }
      await waitFor(
        name,
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).ok,
        { timeoutMs: 180_000, logFile: managedProcess.logFile },
      );
      ready += 1;
      progress('pipeline', `${name} ready on :${port} (${ready}/${processes.length})`);
    }),
  );
  return secrets;
}

/** Stops the pipeline's processes side by side (SIGTERM: each drains and commits). */
export async function stopPipeline(config: InfraConfig): Promise<void> {
  await Promise.all(
    ['ingest', ...Object.keys(stagePorts), 'api'].map(async (name) => {
      if (await managed(config, name).stop()) progress('pipeline', `${name} stopped`);
    }),
  );
}
