import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import test from 'node:test';
import { AvroSerde, repoPath } from '@proctoflex/core';
import { eventually, readTopicToEnd, servicesConfig, TcpLink } from '@proctoflex/core/testing';
import { newSessionClaims, startTestGateway } from '@proctoflex/ingest/testing';
import { DiskQueue } from './queue.ts';
import { Uploader, type IngestGrant } from './uploader.ts';

const gatewayStarted = startTestGateway();
test.after(async () => (await gatewayStarted).stop());

/** The session's seqs in Kafka: each once after dropping repeats, which must be byte-identical. */
async function seqsInKafka(sessionId: string): Promise<number[]> {
  const { kafka, topics } = await gatewayStarted;
  const serde = new AvroSerde(servicesConfig().SCHEMA_REGISTRY_URL);
  const bySeq = new Map<number, Buffer>();
  for (const topic of Object.values(topics)) {
    for (const message of await readTopicToEnd(kafka, topic)) {
      if (message.key?.toString() !== sessionId) continue;
      const { seq } = (await serde.decode(message.value)) as { seq: number };
      const earlier = bySeq.get(seq);
      if (earlier) assert.ok(earlier.equals(message.value!), `seq ${seq} repeated with other content`);
      bySeq.set(seq, message.value!);
    }
  }
  return [...bySeq.keys()].sort((a, b) => a - b);
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index);

test('the queue survives a kill of the app while offline; the next start uploads everything once', async () => {
  const { baseUrl, token } = await gatewayStarted;
  const dir = await mkdtemp(path.join(tmpdir(), 'desktop-kill-'));
  const link = await TcpLink.open(new URL(baseUrl));
  try {
    const claims = newSessionClaims();
    const key = randomBytes(32);
    const grant: IngestGrant = {
      ...claims,
      ingestUrl: link.via(baseUrl).replace(/\/$/, ''),
      ingestToken: token(claims),
    };
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        repoPath('desktop/src/testing/capture-child.ts'),
        JSON.stringify({ dir, key: key.toString('hex'), grant }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let lastPrinted = -1;
    createInterface({ input: child.stdout }).on('line', (line) => (lastPrinted = Number(line)));
    await eventually('50 records captured online', () => Promise.resolve(lastPrinted >= 50), 30_000);
    await link.cut();
    const cutAt = lastPrinted;
    await eventually('100 records captured offline', () => Promise.resolve(lastPrinted >= cutAt + 100), 30_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const queue = DiskQueue.open(dir, key, 64 * 1024 * 1024);
    const { lastSeq, ackedSeq } = queue;
    assert.ok(lastSeq >= lastPrinted, `every record the app had captured is on disk (${lastSeq} ≥ ${lastPrinted})`);
    assert.ok(ackedSeq < cutAt + 100, 'records captured offline were not acknowledged');
    assert.deepEqual(
      queue.read(-1, 10_000).map(({ seq }) => seq),
      range(lastSeq + 1).slice(ackedSeq + 1),
      'what was not acknowledged is there, in order',
    );
    queue.close();

    await link.restore();
    const uploader = await Uploader.open({
      queue: DiskQueue.open(dir, key, 64 * 1024 * 1024),
      grant: { ...grant, ingestUrl: baseUrl },
      refreshGrant: () => Promise.reject(new Error('not expected')),
    });
    assert.ok(await uploader.drain(60_000), 'the restarted app uploads the queue');
    assert.equal(uploader.status().rejected, 0);
    await uploader.remove();
    assert.deepEqual(await seqsInKafka(claims.sessionId), range(lastSeq + 1), 'Kafka has every record');
  } finally {
    await link.cut();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an expired ingest token is refreshed through the API grant when the uploader reconnects', async () => {
  const { baseUrl, token } = await gatewayStarted;
  const dir = await mkdtemp(path.join(tmpdir(), 'desktop-token-'));
  const link = await TcpLink.open(new URL(baseUrl));
  try {
    const claims = newSessionClaims();
    const ingestUrl = link.via(baseUrl).replace(/\/$/, '');
    let refreshes = 0;
    const shortLived = token(claims, 2);
    const { exp } = JSON.parse(Buffer.from(shortLived.split('.')[1]!, 'base64url').toString()) as { exp: number };
    const uploader = await Uploader.open({
      queue: DiskQueue.open(dir, randomBytes(32), 16 * 1024 * 1024),
      grant: { ...claims, ingestUrl, ingestToken: shortLived },
      refreshGrant: () => {
        refreshes += 1;
        return Promise.resolve({ ...claims, ingestUrl, ingestToken: token(claims) });
      },
      maxBackoffMs: 500,
    });
    const add = () =>
      uploader.add('SESSION', { type: 'HEARTBEAT', captureTime: Date.now(), clientVersion: null, detail: null });
    add();
    await eventually('the uploader online', () => Promise.resolve(uploader.status().connection === 'online'), 10_000);
    // The live stream outlives its token until the connection breaks.
    await eventually('the ingest token expired', () => Promise.resolve(Date.now() / 1000 > exp), 10_000);
    await link.cut();
    add();
    await link.restore();
    add();
    assert.ok(await uploader.drain(30_000));
    assert.equal(refreshes, 1);
    await uploader.remove();
    assert.deepEqual(await seqsInKafka(claims.sessionId), [0, 1, 2]);
  } finally {
    await link.cut();
    await rm(dir, { recursive: true, force: true });
  }
});
