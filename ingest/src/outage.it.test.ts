import assert from 'node:assert/strict';
import test from 'node:test';
import { AvroSerde } from '@proctoflex/core';
import { readTopicToEnd, servicesConfig, signalLocalKafka } from '@proctoflex/core/testing';
import { IngestClient, IngestClientError, type Ack } from '@proctoflex/ingest-client';
import { SessionRecords } from './records.ts';
import { newSessionClaims, startTestGateway } from './testing.ts';

async function waitForReadiness(baseUrl: string, status: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${baseUrl}/readyz`)).status !== status) {
    if (Date.now() > deadline) throw new Error(`/readyz did not answer ${status} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('Kafka frozen mid-stream: no false acks, and resending the unacknowledged batches loses nothing', async () => {
  const { baseUrl, token, kafka, topics, stop } = await startTestGateway({ INGEST_PRODUCE_TIMEOUT_MS: '3000' });
  try {
    const claims = newSessionClaims();
    const client = await IngestClient.connect(baseUrl, token(claims));
    const records = new SessionRecords(claims);
    const batches = Array.from({ length: 12 }, () =>
      client.batch([records.event('HEARTBEAT'), records.event('FOCUS_LOST'), records.event('FOCUS_GAINED')]),
    );
    const sentSeqs = batches.length * 3;
    const stream = await client.stream();
    const acked: Ack[] = [];
    for (const batch of batches.slice(0, 4)) acked.push(await stream.send(batch));

    const unacknowledged: typeof batches = [];
    signalLocalKafka('SIGSTOP');
    try {
      const outcomes = await Promise.allSettled(batches.slice(4).map((batch) => stream.send(batch)));
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') acked.push(outcome.value);
        else {
          assert.ok(outcome.reason instanceof IngestClientError);
          assert.ok(['kafka_unavailable', 'connection_closed'].includes(outcome.reason.reason), outcome.reason.message);
          unacknowledged.push(batches[4 + index]!);
        }
      });
      assert.equal(acked.length, 4, 'no batch is acknowledged while Kafka is frozen');
      assert.equal(stream.closed?.code, 1013, 'the gateway closes the stream: try again later');
      await waitForReadiness(baseUrl, 503);
    } finally {
      signalLocalKafka('SIGCONT');
    }
    await waitForReadiness(baseUrl, 200);

    // The client uploads what was not acknowledged, as after a reconnect.
    for (const batch of unacknowledged) acked.push(await client.post(batch));
    assert.equal(acked.length, batches.length);

    const serde = new AvroSerde(servicesConfig().SCHEMA_REGISTRY_URL);
    const stored = await readTopicToEnd(kafka, topics.SESSION);
    const seqs = await Promise.all(
      stored.map(async (message) => ((await serde.decode(message.value)) as { seq: number }).seq),
    );
    assert.equal(new Set(seqs).size, sentSeqs, 'every record sent is in Kafka');
    // A produce request that reached the frozen broker may still be written when it thaws: such
    // duplicates carry the same seq, which downstream stages drop.
    assert.ok(seqs.length <= sentSeqs + 3 * unacknowledged.length);
  } finally {
    await stop();
  }
});
