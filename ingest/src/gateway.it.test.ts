import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import WebSocket from 'ws';
import { AvroSerde, bearerProtocolPrefix, ingestStreamProtocol, repoPath, type RecordKind } from '@proctoflex/core';
import { readTopicToEnd, servicesConfig } from '@proctoflex/core/testing';
import { IngestClient } from '@proctoflex/ingest-client';
import { SessionRecords } from './records.ts';
import { newSessionClaims, startTestGateway } from './testing.ts';

const jpeg = readFileSync(repoPath('models/fixtures/messi5.jpg'));
const speech = readFileSync(repoPath('models/fixtures/speech.wav')).subarray(44, 44 + 32_000);
const gatewayStarted = startTestGateway();
test.after(async () => (await gatewayStarted).stop());

test('records sent over WebSocket and POST land in their topics, keyed by session, decodable, in seq order', async () => {
  const { baseUrl, token, kafka, topics } = await gatewayStarted;
  const sessions = [newSessionClaims(), newSessionClaims()];
  const expected = new Map<string, { kind: RecordKind; seq: number }[]>();
  await Promise.all(
    sessions.map(async (claims) => {
      const client = await IngestClient.connect(baseUrl, token(claims));
      const records = new SessionRecords(claims);
      const sent: { kind: RecordKind; seq: number }[] = [];
      const stream = await client.stream();
      const batches = [
        [records.event('STARTED'), records.frame(jpeg, { width: 548, height: 342 }, Date.now(), true)],
        [records.audio(speech), records.frame(jpeg, { width: 548, height: 342 })],
        [records.processes([{ pid: 1, name: 'proctoflex', executablePath: null }], ['exam.example.org'])],
      ];
      for (const batch of batches) {
        const ack = await stream.send(client.batch(batch));
        assert.equal(ack.seq, batch.at(-1)!.record.seq, 'the ack carries the highest seq of the batch');
        sent.push(...batch.map(({ kind, record }) => ({ kind, seq: record.seq })));
      }
      await stream.close();
      // Records buffered while offline, uploaded over POST.
      const upload = [records.audio(speech), records.event('HEARTBEAT'), records.event('ENDED')];
      const ack = await client.post(client.batch(upload));
      assert.equal(ack.seq, upload.at(-1)!.record.seq);
      sent.push(...upload.map(({ kind, record }) => ({ kind, seq: record.seq })));
      expected.set(claims.sessionId, sent);
    }),
  );

  const serde = new AvroSerde(servicesConfig().SCHEMA_REGISTRY_URL);
  for (const [kind, topic] of Object.entries(topics) as [RecordKind, string][]) {
    const messages = await readTopicToEnd(kafka, topic);
    for (const claims of sessions) {
      const ofSession = messages.filter((message) => message.key?.toString() === claims.sessionId);
      const decoded = (await Promise.all(ofSession.map((message) => serde.decode(message.value)))) as {
        sessionId: string;
        candidateId: string;
        seq: number;
      }[];
      for (const record of decoded) {
        assert.equal(record.sessionId, claims.sessionId);
        assert.equal(record.candidateId, claims.candidateId);
      }
      const expectedSeqs = expected
        .get(claims.sessionId)!
        .filter((sent) => sent.kind === kind)
        .map((sent) => sent.seq);
      assert.deepEqual(
        decoded.map((record) => record.seq),
        expectedSeqs,
        `${kind} records of ${claims.sessionId} in seq order`,
      );
    }
  }
});

test("a browser's stream: the token offered as a subprotocol, answered with the stream's own; answers readable from another origin", async () => {
  const { baseUrl, token } = await gatewayStarted;
  const claims = newSessionClaims();
  const client = await IngestClient.connect(baseUrl, token(claims));
  const records = new SessionRecords(claims);
  const connect = (protocols: string[]) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream`, protocols);
      socket.once('open', () => resolve(socket));
      socket.once('unexpected-response', (_, response) => reject(new Error(`refused ${response.statusCode}`)));
    });
  const socket = await connect([ingestStreamProtocol, `${bearerProtocolPrefix}${token(claims)}`]);
  assert.equal(socket.protocol, ingestStreamProtocol, 'the token is never echoed');
  const answer = new Promise<string>((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())));
  socket.send(client.batch([records.event('STARTED')]).bytes);
  assert.deepEqual(JSON.parse(await answer), { type: 'ack', batchId: 1, seq: 0 });
  socket.close();
  await assert.rejects(
    connect([`${bearerProtocolPrefix}${token(claims)}`]),
    /refused 401/,
    'only beside the stream protocol',
  );
  await assert.rejects(connect([ingestStreamProtocol, `${bearerProtocolPrefix}not-a-token`]), /refused 401/);

  const preflight = await fetch(`${baseUrl}/v1/events`, {
    method: 'OPTIONS',
    headers: { origin: 'https://exams.example.org', 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
  const refused = await fetch(`${baseUrl}/v1/schemas`, { headers: { origin: 'https://exams.example.org' } });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('access-control-allow-origin'), '*', 'a refusal is readable too: its reason');
});

test('a resend after a lost ack is acknowledged again but reaches Kafka once: seq grows in Kafka', async () => {
  const { baseUrl, token, kafka, topics } = await gatewayStarted;
  const claims = newSessionClaims();
  const client = await IngestClient.connect(baseUrl, token(claims));
  const records = new SessionRecords(claims);
  const [first, second, third] = [records.event('STARTED'), records.event('HEARTBEAT'), records.event('HEARTBEAT')];
  await client.post(client.batch([first, second]));
  // The client never saw that ack: it resends both, now with the next record behind them.
  const ack = await client.post(client.batch([first, second, third]));
  assert.equal(ack.seq, third.record.seq);
  assert.equal((await client.post(client.batch([second]))).seq, second.record.seq, 'a resend alone is acknowledged');

  const serde = new AvroSerde(servicesConfig().SCHEMA_REGISTRY_URL);
  const ofSession = (await readTopicToEnd(kafka, topics.SESSION)).filter(
    (message) => message.key?.toString() === claims.sessionId,
  );
  const seqs = await Promise.all(
    ofSession.map(async (message) => ((await serde.decode(message.value)) as { seq: number }).seq),
  );
  assert.deepEqual(
    seqs,
    [first, second, third].map(({ record }) => record.seq),
  );
});
