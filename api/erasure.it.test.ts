import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import test from 'node:test';
import { createTestClickHouse, eventually, freePort, readTopicToEnd, testKafka } from '@proctoflex/core/testing';
import { SessionRecords } from '@proctoflex/ingest';
import { IngestClient } from '@proctoflex/ingest-client';
import { startApi, startSession, startTestStages, streamScriptedSession, twoExams } from './src/testing.ts';

const candidateTables = ['signals', 'risk_updates', 'alert_events', 'session_events', 'process_snapshots'];

test('erasure is final: a candidate erased while streaming leaves no row, evidence, descriptor or export behind', async (t) => {
  const clickhouse = await createTestClickHouse('it_erasure');
  t.after(() => clickhouse.drop());
  const gatewayPort = await freePort();
  const api = await startApi(t, {
    API_INGEST_URL: `http://127.0.0.1:${gatewayPort}`,
    CLICKHOUSE_URL: clickhouse.url,
    API_ERASURE_SETTLE_MS: '2000',
  });
  const { call } = api;
  const stages = await startTestStages(api, gatewayPort, { clickhouseUrl: clickhouse.url });
  t.after(() => stages.stop());
  const face = api.pipeline.spawnStage('face');
  await face.process.started;
  const { adminToken, examA, studentA } = await twoExams(api);

  const grant = (await startSession(call, examA, studentA.token)).body as {
    sessionId: string;
    ingestUrl: string;
    ingestToken: string;
  };
  const claims = { sessionId: grant.sessionId, examId: examA, candidateId: studentA.id };
  // 45 s of forbidden apps from second 20 to 40, its enrolment frame first: an alert, evidence,
  // analytics rows and an enrolment descriptor in the face stage's changelog.
  await streamScriptedSession(grant, claims, 'forbidden-app', 45, { ended: false });
  const count = async (sql: string, id: string) =>
    Number((await api.database.pool.query<{ n: string }>(sql, [id])).rows[0]!.n);
  const alertsOf = () => count('SELECT count(*) AS n FROM alerts WHERE candidate_id = $1', studentA.id);
  // By session, not through alerts: an evidence row has no foreign key and could outlive its alert.
  const evidenceOf = () => count('SELECT count(*) AS n FROM alert_evidence WHERE session_id = $1', grant.sessionId);
  const screensOf = () => count('SELECT count(*) AS n FROM screen_pictures WHERE session_id = $1', grant.sessionId);
  await eventually('an alert with its evidence', async () => (await evidenceOf()) > 0, 90_000);
  assert.ok((await screensOf()) > 0, 'screen pictures kept');
  const changelog = `proctor.state.${face.stageName}.v1`;
  const descriptors = async () =>
    (await readTopicToEnd(testKafka(), changelog)).filter((message) => message.key?.toString() === grant.sessionId);
  await eventually('the enrolment descriptor', async () => (await descriptors()).some(({ value }) => value), 60_000);

  // The candidate goes on streaming, a forbidden app open, while the admin erases them.
  const client = await IngestClient.connect(grant.ingestUrl, grant.ingestToken);
  const records = new SessionRecords(claims, 1_000_000);
  const stream = await client.stream();
  let refusal: unknown;
  const streaming = (async () => {
    for (;;) {
      try {
        await stream.send(
          client.batch([records.processes([{ pid: 1, name: 'Discord', executablePath: null }], ['chatgpt.com'])]),
        );
      } catch (error) {
        refusal = error;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const erased = await call('DELETE', `/api/users/${studentA.id}/data`, adminToken);
  assert.deepEqual([erased.status, erased.body], [200, { sessions: 1 }]);
  await streaming;
  assert.match(String(refusal), /session_revoked|connection_closed/, 'the stream was cut off');
  const again = await IngestClient.connect(grant.ingestUrl, grant.ingestToken).then(
    () => 'accepted',
    (error: unknown) => String(error),
  );
  assert.match(again, /session_revoked/, 'the token is void');

  // Everything in flight has gone through the pipeline (and been dropped): nothing came back.
  await stages.caughtUp();
  await api.pipeline.caughtUp(face.stageName, 'FRAMES_TOPIC');
  const clickhouseRows = async () => {
    let rows = 0;
    for (const table of candidateTables) {
      const result = await clickhouse.client.query({
        // ClickHouse 18 has no query parameters; the id is a UUID the API made.
        query: `SELECT count() AS n FROM ${table} WHERE candidate_id = '${studentA.id}'`,
        format: 'JSONEachRow',
      });
      rows += Number((await result.json<{ n: string }>())[0]!.n);
    }
    return rows;
  };
  // ClickHouse deletes asynchronously (mutations).
  await eventually('the analytics rows deleted', async () => (await clickhouseRows()) === 0, 60_000);
  assert.equal(await alertsOf(), 0, 'no alert came back');
  assert.equal(await evidenceOf(), 0, 'no evidence row came back');
  assert.equal(await screensOf(), 0, 'no screen picture came back');
  const files = await readdir(api.evidenceDir, { recursive: true, withFileTypes: true });
  assert.deepEqual(
    files.filter((entry) => entry.isFile() && path.join(entry.parentPath, entry.name).includes(grant.sessionId)),
    [],
    'no evidence file of the session',
  );
  // Deleted by the face stage's runner once the erasure reached its status table.
  await eventually(
    'the descriptor ends in a tombstone',
    async () => (await descriptors()).at(-1)!.value === null,
    30_000,
  );
  const exported = (await call('GET', `/api/users/${studentA.id}/export`, adminToken)).body as {
    sessions: unknown[];
    alerts: unknown[];
    evidence: unknown[];
    screenPictures: unknown[];
    analytics: Record<string, unknown[]>;
  };
  assert.deepEqual(
    [
      exported.sessions,
      exported.alerts,
      exported.evidence,
      exported.screenPictures,
      Object.values(exported.analytics).flat(),
    ],
    [[], [], [], [], []],
    'the export is empty',
  );
});
