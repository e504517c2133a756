import assert from 'node:assert/strict';
import test from 'node:test';
import { Partitioners } from 'kafkajs';
import type { SessionEvent } from '../contracts/records.ts';
import { AvroSerde } from '../serde.ts';
import { createTopics } from '../topics.ts';
import {
  examPolicy,
  readTopicToEnd,
  servicesConfig,
  spawnFixtureStage,
  testKafka,
  uniqueName,
  withAdmin,
} from '../testing/index.ts';

const kafka = testKafka();

test(
  'a table is loaded before the first batch and its updates reach the running stage',
  { timeout: 180_000 },
  async (t) => {
    const [input, table, output, dlq] = ['in', 'policies', 'out', 'dlq'].map((part) => uniqueName(`it.table.${part}`));
    await withAdmin(kafka, (admin) =>
      createTopics(admin, [
        { topic: input!, numPartitions: 3 },
        { topic: table!, numPartitions: 2 },
        { topic: output!, numPartitions: 3 },
        { topic: dlq! },
      ]),
    );
    t.after(() => withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [input!, table!, output!, dlq!] })));
    const serde = new AvroSerde(servicesConfig().SCHEMA_REGISTRY_URL);
    await serde.registerTopic({ name: input!, schema: 'SessionEvent' });
    await serde.registerTopic({ name: table!, schema: 'ExamPolicy' });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    t.after(() => producer.disconnect());
    const publishPolicy = (examId: string, title: string, version: number) =>
      producer.send({
        topic: table!,
        acks: -1,
        messages: [{ key: examId, value: serde.encode(table!, examPolicy(examId, { title, version })) }],
      });
    let seq = 0;
    const sendEvent = (examId: string) => {
      const event: SessionEvent = {
        sessionId: `session-${examId}`,
        examId,
        candidateId: 'candidate-1',
        seq: seq++,
        captureTime: Date.now(),
        type: 'HEARTBEAT',
        clientVersion: null,
        detail: null,
      };
      return producer.send({
        topic: input!,
        acks: -1,
        messages: [{ key: event.sessionId, value: serde.encode(input!, event) }],
      });
    };
    const titles = async (examId: string) =>
      Promise.all(
        (await readTopicToEnd(kafka, output!))
          .filter((message) => message.key?.toString() === `session-${examId}`)
          .map(async (message) => ((await serde.decode(message.value)) as SessionEvent).detail),
      );

    await publishPolicy('exam-a', 'Algebra v1', 1);
    await publishPolicy('exam-b', 'Biology v1', 1);
    await sendEvent('exam-a');
    await sendEvent('exam-b');
    await sendEvent('exam-none');
    const stage = spawnFixtureStage('fixture-lookup', {
      STAGE_NAME: uniqueName('it-lookup'),
      FIXTURE_INPUT_TOPIC: input!,
      FIXTURE_TABLE_TOPIC: table!,
      FIXTURE_OUTPUT_TOPIC: output!,
      DLQ_TOPIC: dlq!,
    });
    t.after(async () => {
      stage.child.kill('SIGTERM');
      await stage.exited;
    });
    await stage.started;
    const deadline = Date.now() + 60_000;
    while ((await titles('exam-none')).length === 0) {
      assert.ok(Date.now() < deadline, `no output in time:\n${stage.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Records already waiting when the stage started saw the whole table.
    assert.deepEqual(await titles('exam-a'), ['Algebra v1']);
    assert.deepEqual(await titles('exam-b'), ['Biology v1']);
    assert.deepEqual(await titles('exam-none'), [null]);

    await publishPolicy('exam-a', 'Algebra v2', 2);
    for (;;) {
      await sendEvent('exam-a');
      const seen = await titles('exam-a');
      if (seen.at(-1) === 'Algebra v2') break;
      assert.ok(Date.now() < deadline, `the update did not reach the stage: ${seen.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(await titles('exam-b'), ['Biology v1'], 'other rows are unchanged');
  },
);
