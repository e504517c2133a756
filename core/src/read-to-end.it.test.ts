import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import test from 'node:test';
import { partitionEnds, readPartitionsToEnd } from './read-to-end.ts';
import { createTopics } from './topics.ts';
import { testKafka, uniqueName, withAdmin } from './testing/index.ts';

const kafka = testKafka();

// partitionEnds reaches KafkaJS's cluster factory through a private symbol: this fails first if
// an upgrade of kafkajs (pinned to 2.2.4 in every package.json) removes or changes it.
test('read_uncommitted partition ends see a transaction at once, and a read to the end gets its records', async (t) => {
  const kafkajsPackage = createRequire(import.meta.url).resolve('kafkajs/package.json');
  assert.equal((JSON.parse(readFileSync(kafkajsPackage, 'utf8')) as { version: string }).version, '2.2.4');

  const topic = uniqueName('it.read-to-end');
  await withAdmin(kafka, (admin) => createTopics(admin, [{ topic, numPartitions: 2 }]));
  t.after(() => withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] })));
  const producer = kafka.producer({
    transactionalId: uniqueName('it.read-to-end.tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  t.after(() => producer.disconnect());
  const transaction = await producer.transaction();
  await transaction.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ value, partition: 1 })) });
  await transaction.commit();

  const ends = await partitionEnds(kafka, topic);
  assert.deepEqual(ends.get(0), { low: 0, high: 0 });
  // Three records and the commit marker.
  assert.deepEqual(ends.get(1), { low: 0, high: 4 });
  const values: string[] = [];
  await readPartitionsToEnd(kafka, topic, 'all', (_, message) => values.push(message.value!.toString()));
  assert.deepEqual(values, ['a', 'b', 'c']);
});
