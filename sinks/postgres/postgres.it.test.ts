import assert from 'node:assert/strict';
import test from 'node:test';
import pg from 'pg';
import { alertsChannel, type AlertEvent, type AlertNotice } from '@proctoflex/core';
import {
  committedOffsetTotal,
  createTestDatabase,
  TcpLink,
  testKafka,
  uniqueName,
  stageRetries,
  waitUntil,
  withAdmin,
} from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';

const kafka = testKafka();
const t0 = Date.now() - 600_000;

function alertEvent(alertId: string, revision: number, action: AlertEvent['action']): AlertEvent {
  return {
    alertId,
    sessionId: `session-of-${alertId}`,
    examId: 'exam-sink',
    candidateId: 'candidate-1',
    rule: 'no_face',
    action,
    revision,
    severity: revision >= 2 ? 'CRITICAL' : 'HIGH',
    description: `No face visible for ${10 + revision * 10} s`,
    startSeq: 4,
    startTime: t0,
    eventTime: t0 + (10 + revision * 10) * 1000,
    endTime: action === 'CLOSED' ? t0 + 35_000 : null,
    evidence: [{ topic: 'proctor.frames.v1', seq: 4, captureTime: t0 }],
    scores: [{ detector: 'FACE', signal: 'no_face', score: 1, sourceSeq: 4 }],
  };
}

test('alerts in PostgreSQL follow the stream; older and replayed events, and proctor reviews, stay as they are', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.alerts-sink');
  t.after(() => pipeline.close());
  const database = await createTestDatabase('it_alerts');
  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  t.after(async () => {
    await listener.end();
    await database.drop();
  });
  const notices: AlertNotice[] = [];
  listener.on('notification', ({ payload }) => notices.push(JSON.parse(payload!) as AlertNotice));
  await listener.query(`LISTEN ${alertsChannel}`);

  const [closing, staying] = [uniqueName('alert'), uniqueName('alert')];
  const events = [
    alertEvent(closing, 0, 'OPENED'),
    alertEvent(staying, 0, 'OPENED'),
    alertEvent(closing, 1, 'UPDATED'),
    alertEvent(closing, 2, 'CLOSED'),
    // Delivered again after a newer one (a producer retry): it must not reopen the alert.
    alertEvent(closing, 1, 'UPDATED'),
  ];
  // The same session for both keeps the events of each alert in order on one partition.
  await pipeline.produce('ALERTS_TOPIC', events, () => 'one-session');
  await pipeline.processAll('alerts-sink', { DATABASE_URL: database.url });

  const alerts = async () =>
    (
      await database.pool.query<{
        id: string;
        state: string;
        revision: number;
        severity: string;
        review_status: string;
      }>('SELECT id, state, revision, severity, review_status FROM alerts ORDER BY id')
    ).rows;
  const history = async () =>
    (
      await database.pool.query<{ alert_id: string; revision: number; action: string }>(
        'SELECT alert_id, revision, action FROM alert_history ORDER BY alert_id, revision',
      )
    ).rows;
  const expected = [
    { id: closing, state: 'closed', revision: 2, severity: 'CRITICAL', review_status: 'pending' },
    { id: staying, state: 'open', revision: 0, severity: 'HIGH', review_status: 'pending' },
  ].sort((a, b) => a.id.localeCompare(b.id));
  assert.deepEqual(await alerts(), expected);
  assert.deepEqual(
    (await history())
      .map(({ alert_id, revision, action }) => `${alert_id === closing ? 'closing' : 'staying'} ${revision} ${action}`)
      .sort(),
    ['closing 0 OPENED', 'closing 1 UPDATED', 'closing 2 CLOSED', 'staying 0 OPENED'],
  );
  await waitUntil(kafka, 'a notice per change', () => Promise.resolve(notices.length >= 4));
  assert.deepEqual(
    notices.map(
      (notice) => `${notice.alertId === closing ? 'closing' : 'staying'} ${notice.revision} ${notice.action}`,
    ),
    ['closing 0 OPENED', 'staying 0 OPENED', 'closing 1 UPDATED', 'closing 2 CLOSED'],
  );

  // A proctor confirms the closed alert; then a fresh sink replays the whole stream.
  await database.pool.query("UPDATE alerts SET review_status = 'confirmed' WHERE id = $1", [closing]);
  const historyBefore = await history();
  await pipeline.processAll('alerts-sink', { DATABASE_URL: database.url });
  assert.deepEqual(
    await alerts(),
    expected.map((alert) => (alert.id === closing ? { ...alert, review_status: 'confirmed' } : alert)),
  );
  assert.deepEqual(await history(), historyBefore);
  assert.equal(notices.length, 4, 'a replay is no news');
});

test('PostgreSQL out of reach: the sink waits, commits nothing it did not write, and catches up', async (t) => {
  const pipeline = await TestPipeline.create(kafka, 'it.alerts-sink-down');
  t.after(() => pipeline.close());
  const database = await createTestDatabase('it_alerts_down');
  t.after(() => database.drop());
  // The sink reaches PostgreSQL through a proxy the test can cut, as a network failure would.
  const link = await TcpLink.open(new URL(database.url));
  t.after(() => link.cut());
  const count = async () =>
    Number((await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM alerts')).rows[0]!.n);
  const opened = (count: number) => Array.from({ length: count }, () => alertEvent(uniqueName('alert'), 0, 'OPENED'));

  await pipeline.produce('ALERTS_TOPIC', opened(50));
  const { process: sinkProcess, stageName: sink } = pipeline.spawnStage('alerts-sink', {
    DATABASE_URL: link.via(database.url),
  });
  const port = await sinkProcess.started;
  await pipeline.caughtUp(sink, 'ALERTS_TOPIC');
  assert.equal(await count(), 50);

  await link.cut();
  await pipeline.produce('ALERTS_TOPIC', opened(150));
  await waitUntil(kafka, 'failed batches retried', async () => (await stageRetries(port, 'process batch')) >= 3);
  const committed = await withAdmin(kafka, (admin) =>
    committedOffsetTotal(admin, `proctoflex.${sink}`, pipeline.topics.ALERTS_TOPIC),
  );
  assert.equal(committed, 50, 'nothing committed while PostgreSQL is out of reach');

  await link.restore();
  await pipeline.caughtUp(sink, 'ALERTS_TOPIC');
  assert.equal(await count(), 200);
  assert.equal((await pipeline.read('DLQ_TOPIC')).length, 0, "an outage is not the records' fault");
});
