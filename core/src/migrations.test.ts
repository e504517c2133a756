import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { readMigrations, splitStatements } from './migrations.ts';

function migrationDir(files: Record<string, string>): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(directory, name), sql);
  return directory;
}

test('migrations are ordered by their number, not by file name', () => {
  const directory = migrationDir({ '0010_later.sql': 'B', '0002_first.sql': 'A', 'README.md': 'ignored' });
  assert.deepEqual(
    readMigrations(directory).map(({ version, name }) => [version, name]),
    [
      [2, 'first'],
      [10, 'later'],
    ],
  );
});

test('misnamed and duplicate migrations are refused', () => {
  assert.throws(() => readMigrations(migrationDir({ 'first.sql': '' })), /named NNNN_name\.sql/);
  assert.throws(
    () => readMigrations(migrationDir({ '1_a.sql': '', '0001_b.sql': '' })),
    /two migrations have version 1/,
  );
});

test('ClickHouse files split into statements at line-ending semicolons', () => {
  const sql =
    "-- a table\nCREATE TABLE a (x String COMMENT 'a; b');\n\nCREATE VIEW v AS SELECT 1;\n-- trailing comment\n";
  assert.deepEqual(splitStatements(sql), ["CREATE TABLE a (x String COMMENT 'a; b')", 'CREATE VIEW v AS SELECT 1']);
});
