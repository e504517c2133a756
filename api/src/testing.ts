import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type test from 'node:test';
import { createLogger, createMetricsRegistry, type IngestClaims } from '@proctoflex/core';
import { readServerSentEvents, type ServerSentEvent } from '@proctoflex/core';
import { createTestDatabase, testKafka, uniqueName } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { Gateway, loadIngestConfig } from '@proctoflex/ingest';
import { IngestClient } from '@proctoflex/ingest-client';
import { scriptedSession, simulatedMedia, type Behaviour } from '@proctoflex/ingest/sim';
import { loadApiConfig } from './config.ts';
import { ApiServer } from './server.ts';

/**
 * An API in this process on a database, topics and evidence directory of its own, with `env`
 * on top, and a small HTTP client for it; stop() removes it all (and the stages run on its
 * pipeline). For integration tests.
 */
export async function startTestApi(env: Record<string, string> = {}) {
  const pipeline = await TestPipeline.create(testKafka(), 'it.api');
  const database = await createTestDatabase('it_api');
  const evidenceDir = await mkdtemp(path.join(tmpdir(), 'it-api-'));
  const secrets = {
    jwt: randomBytes(32).toString('hex'),
    ingest: randomBytes(32).toString('hex'),
    evidence: randomBytes(32).toString('base64'),
  };
  const config = loadApiConfig({
    ...pipeline.topics,
    DATABASE_URL: database.url,
    API_PORT: '0',
    API_METRICS_PORT: '0',
    API_JWT_SECRET: secrets.jwt,
    INGEST_TOKEN_SECRET: secrets.ingest,
    EVIDENCE_KEY: secrets.evidence,
    EVIDENCE_DIR: evidenceDir,
    API_AUTH_RATE_PER_MINUTE: '1000',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const server = new ApiServer(config, createLogger('api', 'warn'), createMetricsRegistry('api'));
  const port = await server.start();

  const call = async (method: string, route: string, token?: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown>, response };
  };
  const login = async (email: string, password: string) => {
    const { status, body } = await call('POST', '/api/auth/login', undefined, { email, password });
    if (status !== 200) throw new Error(`sign-in of ${email}: ${status} ${JSON.stringify(body)}`);
    return body as { accessToken: string; refreshToken: string };
  };
  return {
    pipeline,
    database,
    secrets,
    evidenceDir,
    call,
    login,
    port,
    metricsUrl: `http://127.0.0.1:${server.metricsPort}/metrics`,
    stop: async () => {
      await server.stop();
      // Stages first: the alerts sink holds connections to the database.
      await pipeline.close();
      await database.drop();
      await rm(evidenceDir, { recursive: true, force: true });
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof startTestApi>>;

/** Starts a session as a candidate does: reads the exam's recording notice and agrees to it. */
export async function startSession(call: TestApi['call'], examId: string, token: string) {
  const notice = await call('GET', `/api/exams/${examId}/notice`, token);
  return call('POST', `/api/exams/${examId}/sessions`, token, { noticeVersion: notice.body.version });
}

/** A gateway on `gatewayPort` (the API's API_INGEST_URL) with `api`'s topics and ingest secret, started. */
export async function startApiGateway(api: TestApi, gatewayPort: number): Promise<Gateway> {
  const gateway = new Gateway(
    loadIngestConfig({
      ...api.pipeline.topics,
      INGEST_TOKEN_SECRET: api.secrets.ingest,
      INGEST_PORT: String(gatewayPort),
      INGEST_METRICS_PORT: '0',
    }),
    createLogger('ingest', 'warn'),
    createMetricsRegistry('ingest'),
  );
  await gateway.start();
  return gateway;
}

/**
 * What lies between a desktop and `api`: a gateway on `gatewayPort` (the API's API_INGEST_URL)
 * with its topics and ingest secret, and the stages from app policy to the sinks: alerts and
 * evidence into its database and evidence directory (a buffer that holds a whole upload),
 * ClickHouse when `clickhouseUrl` is given, the face stage with `face`. Resolves once all run; the stages stop with the
 * API's pipeline, the gateway with stop().
 */
export async function startTestStages(
  api: TestApi,
  gatewayPort: number,
  { clickhouseUrl, face = false }: { clickhouseUrl?: string; face?: boolean } = {},
) {
  const { pipeline } = api;
  const gateway = await startApiGateway(api, gatewayPort);
  const stages = (
    [
      ['app-policy', {}],
      ['risk', {}],
      ['alerts-sink', { DATABASE_URL: api.database.url }],
      [
        'evidence-sink',
        {
          DATABASE_URL: api.database.url,
          EVIDENCE_KEY: api.secrets.evidence,
          EVIDENCE_DIR: api.evidenceDir,
          EVIDENCE_BUFFER_MS: '60000',
        },
      ],
      // For the live wall's thumbnails.
      ...(face ? [['face', {}]] : []),
      ...(clickhouseUrl ? [['clickhouse-sink', { CLICKHOUSE_URL: clickhouseUrl }]] : []),
    ] as [string, Record<string, string>][]
  ).map(([name, env]) => pipeline.spawnStage(name, env));
  await Promise.all(stages.map(({ process }) => process.started));
  return {
    stop: () => gateway.stop(),
    /** Resolves once every stage has committed the end of each of its inputs. */
    caughtUp: () => Promise.all(stages.map((stage) => pipeline.stageCaughtUp(stage))),
  };
}

/**
 * The simulator's scripted `behaviour` for `seconds`, captured in the seconds just past, sent as
 * a desktop sends it: over the gateway stream of `grant` (what the API handed the student), a
 * few records a batch, each acknowledged. `ended: false` leaves the session open (no ENDED).
 */
export async function streamScriptedSession(
  grant: { ingestUrl: string; ingestToken: string },
  claims: IngestClaims,
  behaviour: Behaviour,
  seconds: number,
  { ended }: { ended: boolean },
): Promise<void> {
  const session = scriptedSession(
    claims,
    behaviour,
    await simulatedMedia(),
    seconds,
    Date.now() - (seconds + 1) * 1000,
  );
  const records = ended ? session : session.slice(0, -1);
  const client = await IngestClient.connect(grant.ingestUrl, grant.ingestToken);
  const stream = await client.stream();
  for (let start = 0; start < records.length; start += 3)
    await stream.send(client.batch(records.slice(start, start + 3)));
  await stream.close();
}

/**
 * Reads a `GET /api/live` response as it arrives, calling `onEvent` for each event, until the
 * stream ends: the server closed it, the connection broke or the request was aborted. For tests
 * and benchmarks.
 */
export async function readLiveStream(response: Response, onEvent: (event: ServerSentEvent) => void): Promise<void> {
  // The end of the stream, however it came: what was read is what the caller has.
  await readServerSentEvents(response.body!, onEvent).catch(() => undefined);
}

/** The bootstrap admin of every API that startApi starts. */
export const admin = { email: 'admin@proctoflex.test', password: 'correct horse battery' };

/** The API of testing.ts, stopped after the test. */
export async function startApi(t: test.TestContext, env: Record<string, string> = {}) {
  const api = await startTestApi({
    API_LOGIN_MAX_FAILURES: '3',
    API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
    API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    ...env,
  });
  t.after(() => api.stop());
  return api;
}

type Api = Awaited<ReturnType<typeof startApi>>;

/** A live stream (`GET /api/live`) read as it arrives: `until` resolves with the first event that matches. */
export const liveStream = (api: Api, token: string, query = '') => eventStream(api, token, `/api/live${query}`);

/** The Server-Sent Events of `GET path`, read as they arrive: `until` resolves with the first event that matches. */
export async function eventStream(api: Api, token: string, path: string) {
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${api.port}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: ServerSentEvent[] = [];
  const waiters: (() => void)[] = [];
  void readLiveStream(response, (event) => {
    events.push(event);
    waiters.splice(0).forEach((wake) => wake());
  });
  return {
    events,
    async until(matches: (event: ServerSentEvent) => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(matches);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event in ${timeoutMs} ms: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    },
    close: () => controller.abort(),
  };
}

/** Two instructors with an open exam each, a proctor and a student per exam. */
/** A user of `role` created by the admin of `adminToken`, signed in. */
export async function addUser(api: Api, adminToken: string, role: string, displayName = role) {
  const email = `${uniqueName(role)}@proctoflex.test`;
  const password = `${role} password 1234`;
  const { status, body } = await api.call('POST', '/api/users', adminToken, { email, displayName, role, password });
  assert.equal(status, 201, JSON.stringify(body));
  return { id: body.id as string, email, displayName, token: (await api.login(email, password)).accessToken };
}

export async function twoExams(api: Api) {
  const { accessToken: adminToken } = await api.login(admin.email, admin.password);
  const user = (role: string) => addUser(api, adminToken, role);
  const exam = async (instructorToken: string) => {
    const { status, body } = await api.call('POST', '/api/exams', instructorToken, {
      title: 'Linear algebra',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      durationMinutes: 90,
      surveillanceLevel: 'STRICT',
      allowedDomains: ['Exam.ProctoFlex.dev'],
    });
    assert.equal(status, 201, JSON.stringify(body));
    return body.id as string;
  };
  const instructorA = await user('instructor');
  const instructorB = await user('instructor');
  const proctorA = await user('proctor');
  const proctorB = await user('proctor');
  const studentA = await user('student');
  const studentB = await user('student');
  const examA = await exam(instructorA.token);
  const examB = await exam(instructorB.token);
  for (const [examId, instructor, proctor, student] of [
    [examA, instructorA, proctorA, studentA],
    [examB, instructorB, proctorB, studentB],
  ] as const) {
    const { status } = await api.call('PUT', `/api/exams/${examId}/members`, instructor.token, {
      candidates: [student.id],
      proctors: [proctor.id],
    });
    assert.equal(status, 200);
  }
  return { adminToken, instructorA, instructorB, proctorA, proctorB, studentA, studentB, examA, examB } as const;
}
