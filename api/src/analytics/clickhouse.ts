import { clickHouseDatabaseOf } from '@proctoflex/core';
import type { Row } from '../context.ts';

/** TabSeparated escaping of one value. */
const tsv = (value: string | number) =>
  String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/**
 * Runs `sql` (JSONEachRow) with `params` as a one-row external table named `params`: the values
 * travel as data in the request body, never as SQL text. ClickHouse 18.16 has no query
 * parameters; external data works there and on current releases alike. Strings are `String`,
 * numbers `Int64`. Each of `lists` travels the same way as a table of its own with one `String`
 * column `value`, one row per item (e.g. `exam_id IN (SELECT value FROM exam_ids)`).
 */
export async function queryWithParams(
  clickhouseUrl: string,
  sql: string,
  params: Record<string, string | number>,
  lists: Record<string, readonly string[]> = {},
): Promise<Row[]> {
  const server = new URL(clickhouseUrl);
  const names = Object.keys(params);
  const endpoint = new URL(`${server.protocol}//${server.host}/`);
  endpoint.search = new URLSearchParams({
    database: clickHouseDatabaseOf(clickhouseUrl),
    query: `${sql}\nFORMAT JSONEachRow`,
    params_structure: names
      .map((name) => `${name} ${typeof params[name] === 'number' ? 'Int64' : 'String'}`)
      .join(', '),
    params_format: 'TabSeparated',
    ...Object.fromEntries(
      Object.keys(lists).flatMap((list) => [
        [`${list}_structure`, 'value String'],
        [`${list}_format`, 'TabSeparated'],
      ]),
    ),
  }).toString();
  const body = new FormData();
  body.append('params', new Blob([`${names.map((name) => tsv(params[name]!)).join('\t')}\n`]), 'params.tsv');
  for (const [list, items] of Object.entries(lists))
    body.append(list, new Blob([items.map((item) => `${tsv(item)}\n`).join('')]), `${list}.tsv`);
  const response = await fetch(endpoint, {
    method: 'POST',
    body,
    headers: {
      'X-ClickHouse-User': decodeURIComponent(server.username || 'default'),
      'X-ClickHouse-Key': decodeURIComponent(server.password),
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse refused the query (${response.status}): ${text.slice(0, 500)}`);
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Row);
}
