import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';
import { createTopics } from './topics.ts';
import { readTopicToEnd, testKafka, uniqueName, withAdmin } from './testing/index.ts';

const kafka = testKafka();

// KafkaJS 2.2.4 predates Kafka 4, which removed old protocol versions (KIP-896): this proves the
// APIs the stage runner relies on still negotiate, transactions and offset commits included.
test('KafkaJS runs transactions with offset commits against the broker', async (t) => {
  const input = uniqueName('it.kafka.in');
  const output = uniqueName('it.kafka.out');
  const groupId = uniqueName('it.kafka.group');
  await withAdmin(kafka, (admin) => createTopics(admin, [{ topic: input }, { topic: output }]));
  t.after(() => withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [input, output] })));

  const producer = kafka.producer({
    transactionalId: uniqueName('it.kafka.tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  t.after(() => producer.disconnect());

  const committed = await producer.transaction();
  await committed.send({ topic: output, messages: [{ key: 's1', value: 'kept' }] });
  await committed.sendOffsets({
    consumerGroupId: groupId,
    topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }],
  });
  await committed.commit();

  const aborted = await producer.transaction();
  await aborted.send({ topic: output, messages: [{ key: 's1', value: 'dropped' }] });
  await aborted.abort();

  const after = await producer.transaction();
  await after.send({ topic: output, messages: [{ key: 's1', value: 'kept too' }] });
  await after.commit();

  const values = (await readTopicToEnd(kafka, output)).map((message) => message.value?.toString());
  assert.deepEqual(values, ['kept', 'kept too']);
  const offsets = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics: [input] }));
  assert.equal(offsets[0]?.partitions[0]?.offset, '7');
});

// KafkaJS 2.2.4 re-armed a 1 ms timer on every connection for good once a request had been
// answered (tulios/kafkajs#1556): half of an idle stage's CPU. infra/patches/kafkajs+2.2.4.patch
// checks the queue only while requests wait in it.
test('an idle KafkaJS connection runs no timer loop', async () => {
  const requestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
    prototype: { checkPendingRequests: (this: unknown) => void };
  };
  const check = requestQueue.prototype.checkPendingRequests;
  let checks = 0;
  requestQueue.prototype.checkPendingRequests = function (this: unknown) {
    checks += 1;
    check.call(this);
  };
  try {
    await withAdmin(kafka, async (admin) => {
      await admin.listTopics();
      checks = 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
  } finally {
    requestQueue.prototype.checkPendingRequests = check;
  }
  assert.ok(checks < 5, `${checks} checks of an empty queue in 500 ms`);
});
