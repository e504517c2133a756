import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type pg from 'pg';

/** One numbered SQL file, e.g. 0002_alert_history.sql. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export function readMigrations(directory: string): Migration[] {
  const migrations = readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
      if (!match) throw new Error(`${directory}/${file}: migration files are named NNNN_name.sql`);
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(path.join(directory, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (index > 0 && migrations[index - 1]!.version === migration.version) {
      throw new Error(`${directory}: two migrations have version ${migration.version}`);
    }
  });
  return migrations;
}

/**
 * Applies the migrations of `directory` not yet recorded in the database's schema_migrations
 * table, in order, one transaction each, under an advisory lock so concurrent starts apply each once.
 * Returns the versions it applied.
 */
export async function migratePostgres(client: pg.ClientBase, directory: string): Promise<number[]> {
  const migrations = readMigrations(directory);
  // Any constant shared by every runner of this migration set.
  const lockKey = 0x70726f63;
  await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(
          `PostgreSQL migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    return pending.map((migration) => migration.version);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey]);
  }
}

/** ClickHouse runs one statement per request: files hold statements separated by `;` at line ends. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement !== '');
}

/**
 * Applies pending ClickHouse migrations in order. ClickHouse has no transactions, so a file's
 * statements must be re-runnable (IF NOT EXISTS): a file that failed half-way is applied again whole.
 */
export async function migrateClickHouse(client: ClickHouseClient, directory: string): Promise<number[]> {
  const migrations = readMigrations(directory);
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime)
      ENGINE = MergeTree() ORDER BY version`,
  });
  const result = await client.query({ query: 'SELECT version FROM schema_migrations', format: 'JSONEachRow' });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));
  const pending = migrations.filter((migration) => !applied.has(migration.version));
  for (const migration of pending) {
    for (const statement of splitStatements(migration.sql)) {
      try {
        await client.command({ query: statement });
      } catch (error) {
        throw new Error(
          `ClickHouse migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: migration.version, name: migration.name, applied_at: Math.floor(Date.now() / 1000) }],
      format: 'JSONEachRow',
    });
  }
  return pending.map((migration) => migration.version);
}
