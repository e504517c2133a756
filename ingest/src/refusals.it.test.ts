import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import test from 'node:test';
import sharp from 'sharp';
import { contractLimits, repoPath, mintIngestToken, type IngestClaims } from '@proctoflex/core';
import { IngestClient, openStream } from '@proctoflex/ingest-client';
import { limits } from './config.ts';
import { SessionRecords } from './records.ts';
import { newSessionClaims, refusalOf, startTestGateway } from './testing.ts';

const jpeg = readFileSync(repoPath('models/fixtures/messi5.jpg'));
const size = { width: 548, height: 342 };
/** A well-formed JPEG of 1x1 pixels: no webcam gives it. */
const tinyJpeg = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
  .jpeg()
  .toBuffer();
const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** 2^30 as an Avro block count (zigzag varint). */
const hugeCount = [0x80, 0x80, 0x80, 0x80, 0x08];

/** An encoded snapshot (no processes, no domains) whose process count is rewritten to claim 2^30. */
function snapshotClaimingProcesses(encoded: Buffer): Buffer {
  // The empty arrays after `platform` ("linux") are single 0 bytes: processes is the first one.
  const processesAt = encoded.indexOf(Buffer.from('linux')) + 5;
  return Buffer.concat([encoded.subarray(0, processesAt), Buffer.from(hugeCount), encoded.subarray(processesAt)]);
}

const gatewayStarted = startTestGateway();
// A small burst so that a rate overflow takes few records.
const slowGatewayStarted = startTestGateway({
  INGEST_SESSION_BURST_RECORDS: '6',
  INGEST_SESSION_RECORDS_PER_SECOND: '1',
});
test.after(async () => Promise.all([(await gatewayStarted).stop(), (await slowGatewayStarted).stop()]));

/** Another candidate streaming all along: every refusal elsewhere must leave it served. */
async function healthyClient() {
  const { baseUrl, token } = await gatewayStarted;
  const claims = newSessionClaims();
  const client = await IngestClient.connect(baseUrl, token(claims));
  const records = new SessionRecords(claims);
  const stream = await client.stream();
  return {
    stream,
    sendOne: () => stream.send(client.batch([records.event('HEARTBEAT')])),
  };
}

function unsignedToken(claims: IngestClaims): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({
    sid: claims.sessionId,
    exam: claims.examId,
    sub: claims.candidateId,
    aud: 'proctoflex-ingest',
    iss: 'proctoflex',
    iat: now,
    exp: now + 600,
  })}.`;
}

test('bad tokens are refused with their reason, on the stream and on upload', async () => {
  const { baseUrl, secret, token } = await gatewayStarted;
  const healthy = await healthyClient();
  const claims = newSessionClaims();
  const cases: [string, string | undefined, number, string][] = [
    ['no token', undefined, 401, 'token_missing'],
    ['expired', token(claims, -10), 401, 'token_expired'],
    ['signed with another key', mintIngestToken(`${secret}-not`, claims, 600), 401, 'token_invalid'],
    ['alg none', unsignedToken(claims), 401, 'token_invalid'],
    ['garbage', 'not-a-jwt', 401, 'token_invalid'],
  ];
  for (const [name, badToken, status, reason] of cases) {
    const headers: Record<string, string> = badToken ? { authorization: `Bearer ${badToken}` } : {};
    const response = await fetch(`${baseUrl}/v1/schemas`, { headers });
    assert.equal(response.status, status, name);
    assert.equal(((await response.json()) as { error: string }).error, reason, name);
    const refused = await refusalOf(openStream(baseUrl, badToken ?? ''));
    assert.equal(refused.status, status, `${name} on the stream`);
    assert.equal(refused.reason, reason, `${name} on the stream`);
    await healthy.sendOne();
  }
  await healthy.stream.close();
});

test('each bad batch gets its own reason and status; the gateway keeps serving others', async () => {
  const { baseUrl, token } = await gatewayStarted;
  const healthy = await healthyClient();
  const claims = newSessionClaims();
  const other = newSessionClaims();
  const client = await IngestClient.connect(baseUrl, token(claims));
  const records = new SessionRecords(claims);
  const otherRecords = new SessionRecords(other);
  const stream = await client.stream();
  const withSchemaId = (value: Buffer, id: number) => {
    const copy = Buffer.from(value);
    copy.writeInt32BE(id, 1);
    return copy;
  };
  const audioId = client.encode('AUDIO', records.audio(Buffer.alloc(3200)).record).readInt32BE(1);
  const frame = client.encode('FRAME', records.frame(jpeg, size).record);
  const [earlier, later] = [records.event('HEARTBEAT'), records.event('FOCUS_LOST')];
  const cases: [string, { batchId: number | null; bytes: Buffer }, number, string][] = [
    ['another session', client.batch([otherRecords.event('HEARTBEAT')]), 403, 'session_mismatch'],
    [
      'not an IngestBatch',
      { batchId: null, bytes: Buffer.from('hello, is this the gateway?') },
      400,
      'batch_malformed',
    ],
    [
      'frame over 1 MiB',
      client.batch([records.frame(Buffer.alloc(contractLimits['dev.proctoflex.v1.FrameCaptured.jpeg']! + 1), size)]),
      413,
      'record_too_large',
    ],
    [
      "another topic's schema id",
      client.batchOfEncoded([{ kind: 'FRAME', value: withSchemaId(frame, audioId) }]),
      422,
      'schema_unknown',
    ],
    [
      'an unknown schema id',
      client.batchOfEncoded([{ kind: 'FRAME', value: withSchemaId(frame, 987_654) }]),
      422,
      'schema_unknown',
    ],
    [
      'garbage record',
      client.batchOfEncoded([{ kind: 'FRAME', value: Buffer.concat([frame.subarray(0, 5), Buffer.alloc(16, 0xff)]) }]),
      422,
      'record_malformed',
    ],
    [
      'two days old',
      client.batch([records.event('HEARTBEAT', Date.now() - 48 * 3600 * 1000)]),
      422,
      'timestamp_out_of_range',
    ],
    ['seq going back', client.batch([later, earlier]), 422, 'seq_not_increasing'],
    ['a 1x1 JPEG', client.batch([records.frame(tinyJpeg, { width: 1, height: 1 })]), 422, 'frame_invalid'],
    ['not a JPEG', client.batch([records.frame(Buffer.from(pngSignature), size)]), 422, 'frame_invalid'],
    [
      'a JPEG cut short',
      client.batch([records.frame(jpeg.subarray(0, jpeg.length - 100), size)]),
      422,
      'frame_invalid',
    ],
    [
      'a JPEG of another size than the record says',
      client.batch([records.frame(jpeg, { width: 640, height: 480 })]),
      422,
      'frame_invalid',
    ],
    [
      'records claimed: 2^30',
      { batchId: null, bytes: Buffer.from([0x02, ...hugeCount, 0x00]) },
      413,
      'batch_too_large',
    ],
    [
      'processes claimed: 2^30',
      client.batchOfEncoded([
        {
          kind: 'PROCESS',
          value: snapshotClaimingProcesses(client.encode('PROCESS', records.processes([], []).record)),
        },
      ]),
      413,
      'record_too_large',
    ],
  ];
  for (const [name, batch, status, reason] of cases) {
    const uploaded = await refusalOf(client.post(batch));
    assert.deepEqual([uploaded.status, uploaded.reason], [status, reason], `${name} (POST): ${uploaded.message}`);
    const streamed = await refusalOf(stream.send(batch));
    assert.deepEqual([streamed.status, streamed.reason], [status, reason], `${name} (stream): ${streamed.message}`);
    await healthy.sendOne();
  }
  assert.ok(process.memoryUsage().heapUsed < 1024 * 1024 * 1024, 'no refusal made the heap grow to a GiB');
  const oversized = await refusalOf(client.post({ bytes: Buffer.alloc(limits.batchBytes + 1) }));
  assert.deepEqual([oversized.status, oversized.reason], [413, 'batch_too_large']);
  // Over the WebSocket a message above the limit closes the connection: 1009, message too big.
  const closed = await refusalOf(stream.send({ batchId: 999, bytes: Buffer.alloc(limits.batchBytes + 1) }));
  assert.equal(closed.reason, 'connection_closed');
  assert.equal(stream.closed?.code, 1009);
  await healthy.sendOne();

  const metrics = await (await fetch((await gatewayStarted).metricsUrl)).text();
  for (const reason of ['session_mismatch', 'batch_malformed', 'record_too_large', 'schema_unknown']) {
    assert.match(metrics, new RegExp(`ingest_refusals_total\\{reason="${reason}",component="ingest"\\} [1-9]`), reason);
  }
  await healthy.stream.close();
});

test('a session sending faster than its rate is refused with 429 and told when to retry', async () => {
  const slow = await slowGatewayStarted;
  const claims = newSessionClaims();
  const client = await IngestClient.connect(slow.baseUrl, slow.token(claims));
  const records = new SessionRecords(claims);
  // Six records at once is the burst; the next record is over the rate of one per second.
  await client.post(client.batch(Array.from({ length: 6 }, () => records.event('HEARTBEAT'))));
  const limited = await refusalOf(client.post(client.batch([records.event('HEARTBEAT')])));
  assert.deepEqual([limited.status, limited.reason, limited.retriable], [429, 'rate_limited', true]);
  assert.ok(limited.retryAfterMs! > 0 && limited.retryAfterMs! <= 1000, `retry after ${limited.retryAfterMs} ms`);
  const tooMany = await refusalOf(
    client.post(client.batch(Array.from({ length: 7 }, () => records.event('HEARTBEAT')))),
  );
  assert.deepEqual(
    [tooMany.status, tooMany.reason],
    [413, 'batch_too_large'],
    'more records than the burst never pass',
  );
  const metrics = await (await fetch(slow.metricsUrl)).text();
  assert.match(metrics, /ingest_refusals_total\{reason="rate_limited",component="ingest"\} 1/);

  // On a stream the refusal also ends the stream (1013): no later batch is acknowledged before
  // the refused one is sent again, so seq keeps growing in Kafka.
  const stream = await client.stream();
  const [refusedBatch, laterBatch] = [
    client.batch([records.event('HEARTBEAT')]),
    client.batch([records.event('HEARTBEAT')]),
  ];
  const [refused, later] = await Promise.all([
    refusalOf(stream.send(refusedBatch)),
    refusalOf(stream.send(laterBatch)),
  ]);
  assert.deepEqual([refused.reason, later.reason, stream.closed?.code], ['rate_limited', 'connection_closed', 1013]);
});

test('a WebSocket upgrade the URL parser cannot read is refused, and the gateway lives on', async () => {
  const { baseUrl } = await gatewayStarted;
  const healthy = await healthyClient();
  const { port } = new URL(baseUrl);
  for (const target of ['http://[', '//[::', '%zz', '/v1/stream?x=%']) {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 4\d\d /, target);
    await healthy.sendOne();
  }
  await healthy.stream.close();
});

test('/metrics is served on the operations port only, never on the public one', async () => {
  const { baseUrl, metricsUrl } = await gatewayStarted;
  assert.equal((await fetch(`${baseUrl}/metrics`)).status, 404);
  assert.match(await (await fetch(metricsUrl)).text(), /^# HELP ingest_refusals_total/m);
});
