import assert from 'node:assert/strict';
import test from 'node:test';
import pg from 'pg';
import { createClickHouse, withClickHouseDatabase } from './databases.ts';
import { migrateClickHouse, migratePostgres, readMigrations } from './migrations.ts';
import { repoPath } from './paths.ts';
import { servicesConfig, uniqueName } from './testing/index.ts';

const { DATABASE_URL, CLICKHOUSE_URL } = servicesConfig();
const postgresMigrations = repoPath('infra/postgres/migrations');
const clickHouseMigrations = repoPath('infra/clickhouse/migrations');

test('PostgreSQL migrations run twice are applied once, and the tables exist', async (t) => {
  const database = uniqueName('it_migrations');
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  t.after(async () => {
    await client.end();
    await admin.query(`DROP DATABASE ${database}`);
    await admin.end();
  });

  const versions = readMigrations(postgresMigrations).map((migration) => migration.version);
  assert.deepEqual(await migratePostgres(client, postgresMigrations), versions);
  assert.deepEqual(await migratePostgres(client, postgresMigrations), []);

  const { rows: applied } = await client.query<{ count: string }>('SELECT count(*) FROM schema_migrations');
  assert.equal(Number(applied[0]!.count), versions.length);
  const { rows: tables } = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  assert.deepEqual(
    tables.map((row) => row.table_name),
    [
      'alert_evidence',
      'alert_history',
      'alerts',
      'audit_log',
      'exam_members',
      'exams',
      'interventions',
      'reference_photos',
      'refresh_tokens',
      'schema_migrations',
      'screen_pictures',
      'sessions',
      'users',
    ],
  );
});

test('ClickHouse migrations run twice are applied once, and the tables exist', async (t) => {
  const database = uniqueName('it_migrations');
  const server = createClickHouse(CLICKHOUSE_URL);
  await server.command({ query: `CREATE DATABASE ${database}` });
  const client = createClickHouse(withClickHouseDatabase(CLICKHOUSE_URL, database));
  t.after(async () => {
    await client.close();
    await server.command({ query: `DROP DATABASE ${database}` });
    await server.close();
  });

  const versions = readMigrations(clickHouseMigrations).map((migration) => migration.version);
  assert.deepEqual(await migrateClickHouse(client, clickHouseMigrations), versions);
  assert.deepEqual(await migrateClickHouse(client, clickHouseMigrations), []);

  const rows = async (query: string) =>
    (await client.query({ query, format: 'JSONEachRow' })).json<Record<string, unknown>>();
  assert.deepEqual(await rows('SELECT count() AS applied FROM schema_migrations'), [
    { applied: String(versions.length) },
  ]);
  const tables = await rows(`SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`);
  assert.deepEqual(
    tables.map((row) => row.name),
    [
      'alert_events',
      'alert_reviews',
      'exams',
      'process_snapshots',
      'risk_updates',
      'schema_migrations',
      'session_events',
      'sessions',
      'signal_minute_states',
      'signal_minutes_feed',
      'signals',
      'signals_per_minute',
    ],
  );
  // Views cannot carry column comments on ClickHouse 18.16: their SQL documents them.
  const undocumented = await rows(
    `SELECT table, name FROM system.columns WHERE database = '${database}' AND comment = ''
       AND table IN (SELECT name FROM system.tables WHERE database = '${database}'
         AND name != 'schema_migrations' AND engine NOT LIKE '%View')`,
  );
  assert.deepEqual(undocumented, [], 'every analytics table column has a comment');
});
