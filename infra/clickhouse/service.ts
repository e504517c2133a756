import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  clickHouseDatabaseOf,
  createClickHouse,
  migrateClickHouse,
  repoPath,
  withClickHouseDatabase,
} from '@proctoflex/core';
import { ensureCommand, isLocalHost, ManagedProcess, progress, waitFor } from '../lib.ts';

/**
 * Debian's clickhouse-server with its packaged config, but data, logs and ports of our own
 * (SERVICES_DIR/clickhouse), so it never touches a system installation.
 */
export class ClickHouseService {
  private readonly url: URL;
  private readonly directory: string;
  private readonly process: ManagedProcess;

  constructor(
    private readonly clickhouseUrl: string,
    servicesDir: string,
  ) {
    this.url = new URL(clickhouseUrl);
    this.directory = path.join(servicesDir, 'clickhouse');
    this.process = new ManagedProcess('clickhouse', this.directory);
  }

  get isLocal(): boolean {
    return isLocalHost(this.url.hostname);
  }

  /** The pid of the process infra/up started, or null (not running, or an external service). */
  pid(): number | null {
    return this.process.runningPid();
  }

  async up(): Promise<void> {
    if (!this.isLocal) return progress('clickhouse', `external server ${this.url.host}, not started`);
    // Ours runs when its process lives, however slowly a busy machine lets it answer: wait for
    // it, never start a second one beside it.
    if (this.process.runningPid() !== null || (await this.isServing())) {
      await waitFor(`ClickHouse on ${this.url.host}`, () => this.isServing(), {
        timeoutMs: 180_000,
        logFile: this.process.logFile,
      });
      return progress('clickhouse', `already running on ${this.url.host}`);
    }
    const started = Date.now();
    await ensureCommand('clickhouse-server', ['clickhouse-server', 'clickhouse-client']);
    for (const dir of ['data', 'tmp', 'user_files', 'format_schemas']) {
      mkdirSync(path.join(this.directory, dir), { recursive: true });
    }
    const httpPort = Number(this.url.port || 8123);
    this.process.start('clickhouse-server', [
      '--config-file=/etc/clickhouse-server/config.xml',
      '--',
      `--path=${this.directory}/data/`,
      `--tmp_path=${this.directory}/tmp/`,
      `--user_files_path=${this.directory}/user_files/`,
      `--format_schema_path=${this.directory}/format_schemas/`,
      `--logger.log=${this.directory}/clickhouse-server.log`,
      `--logger.errorlog=${this.directory}/clickhouse-server.err.log`,
      `--listen_host=${this.url.hostname}`,
      `--http_port=${httpPort}`,
      // Native and interserver ports follow the HTTP port so two instances never collide.
      `--tcp_port=${httpPort + 877}`,
      `--interserver_http_port=${httpPort + 886}`,
    ]);
    await waitFor(`ClickHouse on ${this.url.host}`, () => this.isServing(), {
      timeoutMs: 60_000,
      logFile: this.process.logFile,
    });
    progress('clickhouse', `started on ${this.url.host} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Creates the URL's database when missing and applies the migrations of infra/clickhouse/migrations. */
  async migrate(): Promise<void> {
    const database = clickHouseDatabaseOf(this.clickhouseUrl);
    const server = createClickHouse(withClickHouseDatabase(this.clickhouseUrl, 'default'));
    try {
      await server.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    } finally {
      await server.close();
    }
    const client = createClickHouse(this.clickhouseUrl);
    try {
      const applied = await migrateClickHouse(client, repoPath('infra/clickhouse/migrations'));
      progress('clickhouse', applied.length ? `applied migrations ${applied.join(', ')}` : 'schema up to date');
    } finally {
      await client.close();
    }
  }

  down(): Promise<boolean> {
    return this.process.stop();
  }

  private async isServing(): Promise<boolean> {
    const response = await fetch(`${this.url.origin}/ping`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    return response?.ok ?? false;
  }
}
