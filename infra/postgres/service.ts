import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migratePostgres, repoPath } from '@proctoflex/core';
import { ensureCommand, isLocalHost, processLives, progress, run, waitFor } from '../lib.ts';

/**
 * A PostgreSQL cluster of our own under SERVICES_DIR/postgres, run by the `postgres` system user
 * (the server refuses root), listening on the DATABASE_URL port; the URL's role and database are
 * created in it. When root runs us from a folder the postgres user cannot enter (a checkout in
 * a 0700 directory), the cluster lives in /var/lib/postgresql/proctoflex instead.
 */
export class PostgresService {
  private readonly url: URL;
  private readonly servicesDir: string;
  private clusterDirectory?: string;

  constructor(databaseUrl: string, servicesDir: string) {
    this.url = new URL(databaseUrl);
    this.servicesDir = servicesDir;
  }

  /** Decided on first use, once the postgres user exists. */
  private get directory(): string {
    this.clusterDirectory ??=
      process.getuid?.() === 0 && !postgresUserCanEnter(this.servicesDir)
        ? '/var/lib/postgresql/proctoflex'
        : path.join(this.servicesDir, 'postgres');
    return this.clusterDirectory;
  }

  get isLocal(): boolean {
    return isLocalHost(this.url.hostname);
  }

  private get dataDir() {
    return path.join(this.directory, 'data');
  }

  private get socketDir() {
    return path.join(this.directory, 'run');
  }

  private get port() {
    return Number(this.url.port || 5432);
  }

  async up(): Promise<void> {
    if (!this.isLocal) return progress('postgres', `external server ${this.url.host}, not started`);
    // Ours runs when its postmaster lives, however slowly a busy machine lets it answer: wait
    // for it, never start a second one on the same data directory.
    if (this.pid() !== null || (await this.canConnect())) {
      await waitFor(`PostgreSQL on ${this.url.host}`, () => this.canConnect(), {
        timeoutMs: 180_000,
        logFile: path.join(this.directory, 'postgres.log'),
      });
      return progress('postgres', `already running on ${this.url.host}`);
    }
    const started = Date.now();
    const bin = await this.binDir();
    if (!existsSync(path.join(this.dataDir, 'PG_VERSION'))) await this.initCluster(bin);
    await this.asPostgres(path.join(bin, 'pg_ctl'), [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.directory, 'postgres.log'),
      '-o',
      `-p ${this.port} -k ${this.socketDir} -c listen_addresses=${this.url.hostname}`,
      '-w',
      'start',
    ]);
    await this.createRoleAndDatabase(bin);
    progress('postgres', `started on ${this.url.host} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  async migrate(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url.toString() });
    await client.connect();
    try {
      const applied = await migratePostgres(client, repoPath('infra/postgres/migrations'));
      progress('postgres', applied.length ? `applied migrations ${applied.join(', ')}` : 'schema up to date');
    } finally {
      await client.end();
    }
  }

  async down(): Promise<boolean> {
    if (!existsSync(path.join(this.dataDir, 'postmaster.pid'))) return false;
    await this.asPostgres(path.join(await this.binDir(), 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    return true;
  }

  /** The pid of our data directory's postmaster (the first line of postmaster.pid), or null when it does not live. */
  pid(): number | null {
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return null;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    return processLives(pid) ? pid : null;
  }

  private async canConnect(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url.toString(), connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async binDir(): Promise<string> {
    const installed = () =>
      existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
    if (installed().length === 0) await ensureCommand('/usr/lib/postgresql/15/bin/postgres', ['postgresql']);
    return path.join('/usr/lib/postgresql', installed()[0]!, 'bin');
  }

  private async initCluster(bin: string): Promise<void> {
    for (const dir of [this.directory, this.socketDir]) {
      mkdirSync(dir, { recursive: true });
      if (process.getuid?.() === 0) chownSync(dir, ...(await postgresUserIds()));
    }
    await this.asPostgres(path.join(bin, 'initdb'), [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
    ]);
  }

  private async createRoleAndDatabase(bin: string): Promise<void> {
    const role = decodeURIComponent(this.url.username);
    const password = decodeURIComponent(this.url.password);
    const database = this.url.pathname.slice(1);
    const psql = (sql: string) =>
      this.asPostgres(path.join(bin, 'psql'), [
        '-h',
        this.socketDir,
        '-p',
        String(this.port),
        '-v',
        'ON_ERROR_STOP=1',
        '-tAc',
        sql,
      ]);
    const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
    const identifier = (text: string) => `"${text.replace(/"/g, '""')}"`;
    const { stdout: roleExists } = await psql(`SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}`);
    await psql(
      `${roleExists.trim() ? 'ALTER' : 'CREATE'} ROLE ${identifier(role)} LOGIN CREATEDB PASSWORD ${literal(password)}`,
    );
    const { stdout: databaseExists } = await psql(`SELECT 1 FROM pg_database WHERE datname = ${literal(database)}`);
    if (!databaseExists.trim()) await psql(`CREATE DATABASE ${identifier(database)} OWNER ${identifier(role)}`);
  }

  private asPostgres(command: string, args: string[]) {
    return process.getuid?.() === 0
      ? run('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: '/' })
      : run(command, args);
  }
}

async function postgresUserIds(): Promise<[number, number]> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return [Number(uid), Number(gid)];
}

/** Whether the postgres user can reach `directory` (every parent must be searchable by it). */
function postgresUserCanEnter(directory: string): boolean {
  let existing = directory;
  while (!existsSync(existing)) existing = path.dirname(existing);
  return spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', existing]).status === 0;
}
