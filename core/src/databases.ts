import { createClient, type ClickHouseClient } from '@clickhouse/client';

/** A ClickHouse client for the user, password and database named in the URL. */
export function createClickHouse(clickhouseUrl: string): ClickHouseClient {
  return createClient({ url: clickhouseUrl, request_timeout: 30_000 });
}

/** The database named in a ClickHouse URL's path ("default" when there is none). */
export function clickHouseDatabaseOf(clickhouseUrl: string): string {
  return new URL(clickhouseUrl).pathname.replace(/^\//, '') || 'default';
}

/** The same ClickHouse server and credentials, another database. */
export function withClickHouseDatabase(clickhouseUrl: string, database: string): string {
  const url = new URL(clickhouseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
