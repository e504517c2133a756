import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect } from 'node:net';
import test from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { repoPath } from '@proctoflex/core';
import { IngestClient } from '@proctoflex/ingest-client';
import { SessionRecords } from './records.ts';
import { newSessionClaims, startTestGateway } from './testing.ts';

const gatewayStarted = startTestGateway({
  INGEST_SESSION_BURST_RECORDS: '1000000',
  INGEST_SESSION_RECORDS_PER_SECOND: '1000000',
});
test.after(async () => (await gatewayStarted).stop());

const jpeg = readFileSync(repoPath('models/fixtures/messi5.jpg'));

/** Strings that have broken parsers elsewhere: NUL, traversal, SQL, huge, odd Unicode, URL syntax. */
const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom('\u0000', '../../etc/passwd', "' OR 1=1 --", 'x'.repeat(70_000), '\ud800', 'http://[', '%zz', '🙂'),
);

/** `bytes` with a few random edits: flipped bytes, a cut, an inserted run (huge length prefixes among them). */
const mutationOf = (bytes: Buffer) =>
  fc
    .array(
      fc.oneof(
        fc.record({ flip: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ cut: fc.nat() }),
        fc.record({ insert: fc.nat(), run: fc.uint8Array({ minLength: 1, maxLength: 10 }) }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      let result = Buffer.from(bytes);
      for (const edit of edits) {
        if ('flip' in edit) result[edit.flip % result.length] = edit.value;
        else if ('cut' in edit) result = result.subarray(0, edit.cut % (result.length + 1));
        else {
          const at = edit.insert % (result.length + 1);
          result = Buffer.concat([result.subarray(0, at), Buffer.from(edit.run), result.subarray(at)]);
        }
        if (result.length === 0) break;
      }
      return result;
    });

/** Every byte of the text's UTF-8 percent-encoded (encodeURIComponent throws on a lone surrogate). */
const percentEncoded = (text: string) =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

/** A raw HTTP/1.1 request (odd targets and headers fetch would refuse to send); resolves with the status line. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', () => undefined);
  });
}

test('fuzz: thousands of generated and mutated batches, requests and upgrades; never a 5xx, the gateway alive, memory bounded', async () => {
  const { baseUrl, token } = await gatewayStarted;
  const port = Number(new URL(baseUrl).port);
  const claims = newSessionClaims();
  const client = await IngestClient.connect(baseUrl, token(claims));
  const records = new SessionRecords(claims);
  const validBatch = client.batch([
    records.event('STARTED'),
    records.frame(jpeg, { width: 548, height: 342 }),
    records.processes([{ pid: 1, name: 'proctoflex', executablePath: null }], ['exam.example.org']),
  ]).bytes;
  const heapBefore = process.memoryUsage().heapUsed;

  // Upload bodies: mutations of a valid batch, and random bytes.
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        mutationOf(validBatch),
        fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      ),
      async (body) => {
        const response = await fetch(`${baseUrl}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token(claims)}` },
          body: new Uint8Array(body),
        });
        await response.arrayBuffer();
        assert.ok(response.status < 500 || response.status === 503, `POST /v1/events: ${response.status}`);
      },
    ),
    { numRuns: 1500 },
  );

  // The same over one WebSocket: each message is answered, ack or refusal, and the stream stays open.
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/v1/stream`, {
    headers: { authorization: `Bearer ${token(claims)}` },
  });
  await once(socket, 'open');
  let closed: string | null = null;
  socket.on('close', (code, reason) => (closed = `${code} ${reason.toString()}`));
  await fc.assert(
    fc.asyncProperty(mutationOf(validBatch), async (message) => {
      const answered = once(socket, 'message');
      socket.send(message);
      const [answer] = (await answered) as [Buffer];
      const { type } = JSON.parse(answer.toString()) as { type: string };
      assert.ok(type === 'ack' || type === 'refused', answer.toString());
      assert.equal(closed, null, 'the stream stays open');
    }),
    { numRuns: 1000 },
  );
  socket.close();

  // Any method, path, header and token on the HTTP side.
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
      fc.oneof(fc.constantFrom('/v1/events', '/v1/schemas', '/v1/stream', '/healthz', '/readyz'), hostileString),
      fc.dictionary(
        fc.constantFrom('authorization', 'content-type', 'content-encoding', 'content-length', 'x-forwarded-for'),
        hostileString,
      ),
      async (method, target, headers) => {
        const path = target.startsWith('/') ? target : `/${percentEncoded(target)}`;
        const lines = Object.entries(headers)
          .filter(([name]) => name !== 'content-length')
          .map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, '')}`);
        const status = await rawRequest(
          port,
          `${method} ${path} HTTP/1.1\r\nhost: fuzz\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}connection: close\r\n\r\n`,
        );
        assert.doesNotMatch(status, /^HTTP\/1\.1 5(?!03)\d\d/, `${method} ${path}: ${status}`);
      },
    ),
    { numRuns: 1000 },
  );

  // WebSocket upgrades with any target and token.
  await fc.assert(
    fc.asyncProperty(hostileString, hostileString, async (target, bearer) => {
      const status = await rawRequest(
        port,
        `GET ${target.replace(/[\s]/g, '') || '/'} HTTP/1.1\r\nhost: fuzz\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
          `sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n` +
          `authorization: Bearer ${bearer.replace(/[\r\n]/g, '')}\r\n\r\n`,
      );
      assert.doesNotMatch(status, /^HTTP\/1\.1 5/, `upgrade ${target}: ${status}`);
    }),
    { numRuns: 500 },
  );

  // Still serving, in bounded memory.
  assert.equal((await client.post(client.batch([records.event('HEARTBEAT')]))).seq >= 0, true);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 512 * 1024 * 1024, 'the heap grew by less than 512 MiB');
});
