import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { openApiDocument } from './src/index.ts';
import { admin, startApi, twoExams } from './src/testing.ts';

type Operation = {
  parameters?: { name: string; in: 'path' | 'query' }[];
  requestBody?: { content: { 'application/json': { schema: { properties?: Record<string, unknown> } } } };
};

/** Strings that have broken parsers elsewhere: NUL, traversal, SQL, huge, odd Unicode, dates JavaScript reads. */
const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '../../etc/passwd',
    "' OR 1=1 --",
    'x'.repeat(5000),
    '\ud800',
    '1',
    '2026-02-30',
    '2026-02-30T00:00:00Z',
    '-1',
    '1e309',
    'NaN',
    '{}',
    '[]',
  ),
);

/** Any JSON-ish value, often of the wrong type. */
const anyValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Every byte of the text's UTF-8 percent-encoded (encodeURIComponent throws on a lone surrogate). */
const percentEncoded = (text: string) =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

test('fuzz: every route of the OpenAPI document with generated params, queries, bodies, headers and tokens; never a 5xx, memory bounded', async (t) => {
  const api = await startApi(t, { API_ERASURE_SETTLE_MS: '0', API_AUTH_RATE_PER_MINUTE: '100000' });
  const { adminToken, instructorA, proctorA, studentA, examA } = await twoExams(api);
  const realIds = [examA, studentA.id, proctorA.id, instructorA.id];
  const tokens = [adminToken, instructorA.token, proctorA.token, studentA.token, '', 'not.a.jwt'];
  const heapBefore = process.memoryUsage().heapUsed;

  for (const [template, operations] of Object.entries(openApiDocument.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, Operation>)) {
      const pathParams = (template.match(/\{(\w+)\}/g) ?? []).map((name) => name.slice(1, -1));
      const queryParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
      const properties = Object.keys(operation.requestBody?.content['application/json'].schema.properties ?? {});
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...pathParams.map(() => fc.oneof(fc.constantFrom(...realIds), hostileString))),
          fc.record(Object.fromEntries(queryParams.map(({ name }) => [name, hostileString])), { requiredKeys: [] }),
          fc.oneof(
            fc
              .record(Object.fromEntries(properties.map((name) => [name, anyValue])), { requiredKeys: [] })
              .map((body) => JSON.stringify(body)),
            anyValue.map((value) => JSON.stringify(value)),
            fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
          ),
          fc.constantFrom(...tokens),
          fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', 'x/\u0000'),
          fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'bogus'),
          async (params, query, body, token, contentType, contentEncoding) => {
            let path = template;
            pathParams.forEach((name, index) => (path = path.replace(`{${name}}`, percentEncoded(params[index]!))));
            const search = Object.entries(query)
              .map(([name, value]) => `${name}=${percentEncoded(String(value))}`)
              .join('&');
            const headers: Record<string, string> = { 'content-type': contentType.replace('\u0000', '') };
            if (token) headers.authorization = `Bearer ${token}`;
            if (contentEncoding) headers['content-encoding'] = contentEncoding;
            const controller = new AbortController();
            const response = await fetch(`http://127.0.0.1:${api.port}${path}${search ? `?${search}` : ''}`, {
              method: method.toUpperCase(),
              headers,
              signal: controller.signal,
              ...(method === 'get' ? {} : { body }),
            });
            // A live stream never ends: its status is all there is to check.
            if (response.headers.get('content-type')?.startsWith('text/event-stream')) controller.abort();
            else await response.arrayBuffer();
            assert.ok(response.status < 500, `${method.toUpperCase()} ${path}?${search}: ${response.status}`);
          },
        ),
        { numRuns: 60 },
      );
    }
  }

  // Still serving, in bounded memory.
  assert.equal((await api.call('POST', '/api/auth/login', undefined, admin)).status, 200);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 512 * 1024 * 1024, 'the heap grew by less than 512 MiB');
});
