import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, createMetricsRegistry } from '@proctoflex/core';
import { readServerSentEvents, type ServerSentEvent } from '@proctoflex/core/sse';
import { createTestDatabase, testKafka, TestPipeline } from '@proctoflex/core/testing';
import { Gateway, IngestClient, loadIngestConfig, type IngestClaims } from '@proctoflex/ingest';
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

/**
 * What lies between a desktop and `api`: a gateway on `gatewayPort` (the API's API_INGEST_URL)
 * with its topics and ingest secret, and the stages from app policy to the sinks: alerts and
 * evidence into its database and evidence directory (a buffer that holds a whole upload), and
 * ClickHouse when `clickhouseUrl` is given. Resolves once all run; the stages stop with the
 * API's pipeline, the gateway with stop().
 */
export async function startTestStages(api: TestApi, gatewayPort: number, clickhouseUrl?: string) {
  const { pipeline } = api;
  const gateway = new Gateway(
    loadIngestConfig({ ...pipeline.topics, INGEST_TOKEN_SECRET: api.secrets.ingest, INGEST_PORT: String(gatewayPort) }),
    createLogger('ingest', 'warn'),
    createMetricsRegistry('ingest'),
  );
  await gateway.start();
  const stages = [
    pipeline.spawnStage('app-policy'),
    pipeline.spawnStage('risk'),
    pipeline.spawnStage('alerts-sink', { DATABASE_URL: api.database.url }),
    pipeline.spawnStage('evidence-sink', {
      DATABASE_URL: api.database.url,
      EVIDENCE_KEY: api.secrets.evidence,
      EVIDENCE_DIR: api.evidenceDir,
      EVIDENCE_BUFFER_MS: '60000',
    }),
    ...(clickhouseUrl ? [pipeline.spawnStage('clickhouse-sink', { CLICKHOUSE_URL: clickhouseUrl })] : []),
  ];
  await Promise.all(stages.map(({ process }) => process.started));
  return { stop: () => gateway.stop() };
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
