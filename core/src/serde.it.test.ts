import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import test from 'node:test';
import { promisify } from 'node:util';
import { DecodeError } from './errors.ts';
import { AvroSerde, subjectOf } from './serde.ts';
import type { FrameCaptured } from './contracts/records.ts';
import { createTopics } from './topics.ts';
import { readTopicToEnd, servicesConfig, testKafka, uniqueName, withAdmin } from './testing/index.ts';

const kafka = testKafka();
const { SCHEMA_REGISTRY_URL } = servicesConfig();

const frame: FrameCaptured = {
  sessionId: 'session-1',
  examId: 'exam-1',
  candidateId: 'candidate-1',
  seq: 42,
  captureTime: Date.parse('2026-11-24T09:00:00.123Z'),
  source: 'WEBCAM',
  enrolment: false,
  width: 640,
  height: 480,
  jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]),
};

test('a record encoded through the registry crosses Kafka and decodes to an equal object', async (t) => {
  const topic = uniqueName('it.serde');
  await withAdmin(kafka, (admin) => createTopics(admin, [{ topic, numPartitions: 2 }]));
  t.after(() => withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] })));

  const serde = new AvroSerde(SCHEMA_REGISTRY_URL);
  const schemaId = await serde.registerTopic({ name: topic, schema: 'FrameCaptured' });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: frame.sessionId, value: serde.encode(topic, frame) }] });
  await producer.disconnect();

  const [message] = await readTopicToEnd(kafka, topic);
  const bytes = message!.value!;
  assert.equal(bytes.readUInt8(0), 0, 'magic byte');
  assert.equal(bytes.readInt32BE(1), schemaId, 'schema id in the header');
  const latest = (await (
    await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${subjectOf(topic)}/versions/latest`)
  ).json()) as {
    id: number;
  };
  assert.equal(latest.id, schemaId, 'the id is the one registered under <topic>-value');
  assert.equal(message!.key!.toString(), 'session-1');
  // avsc decodes a record into an instance of a generated class: compare its own fields.
  const decoded = (await new AvroSerde(SCHEMA_REGISTRY_URL).decode(bytes)) as FrameCaptured;
  assert.deepEqual({ ...decoded }, frame);

  const { stdout } = await promisify(execFile)('kcat', ['-b', '127.0.0.1:9092', '-L', '-J', '-t', topic]);
  const metadata = JSON.parse(stdout) as { topics: { topic: string; partitions: unknown[] }[] };
  assert.deepEqual(
    metadata.topics.map(({ topic: name, partitions }) => [name, partitions.length]),
    [[topic, 2]],
  );
});

test('bytes that are not a registered record are DecodeErrors, not retriable', async () => {
  const serde = new AvroSerde(SCHEMA_REGISTRY_URL);
  const topic = uniqueName('it.serde');
  const schemaId = await serde.registerTopic({ name: topic, schema: 'FrameCaptured' });
  const header = (id: number) => Buffer.from([0, (id >>> 24) & 255, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]);
  const cases: [string, Buffer | null, RegExp][] = [
    ['null value', null, /shorter than the 5-byte wire header/],
    ['plain JSON', Buffer.from('{"sessionId":"s"}'), /unknown magic byte 123/],
    ['unknown schema id', Buffer.concat([header(2_000_000_000), Buffer.from([2, 65])]), /not found/],
    ['truncated body', Buffer.concat([header(schemaId), Buffer.from([20, 65])]), /does not match schema/],
  ];
  for (const [what, bytes, message] of cases) {
    await assert.rejects(
      serde.decode(bytes),
      (error: unknown) => error instanceof DecodeError && !error.retriable && message.test(error.message),
      what,
    );
  }
  assert.throws(() => serde.encode(topic, { ...frame, seq: 'forty-two' }), /does not match its schema at: seq/);
});
