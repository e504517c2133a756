import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Partitioners } from 'kafkajs';
import { alertsChannel, percentile, repoPath, type RiskUpdate, type AlertNotice } from '@proctoflex/core';
import { createTestDatabase, freePort, testKafka, waitForReady } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { hashPassword } from '../src/auth/passwords.ts';
import { readLiveStream } from '../src/testing.ts';

/**
 * `npm run bench:api [proctors] [sessions] [seconds]`: one API process (as `npm run api` runs
 * it) on a database of 20 exams with `sessions` sessions and 100 alerts per session, `proctors`
 * proctors spread over the exams. Measures the alert list (requests/s, p50, p99) from 32
 * concurrent clients, first alone, then while every proctor holds a live stream that carries
 * each session's risk once a second (proctor.risk.v1) and 10 new alerts a second (PostgreSQL
 * NOTIFY, as the alerts sink sends it), and how long those take from Kafka or PostgreSQL to each
 * proctor. Load, API, Kafka and PostgreSQL share this machine's cores.
 */
const proctorCount = Number(process.argv[2] ?? '200');
const sessionCount = Number(process.argv[3] ?? '1000');
const seconds = Number(process.argv[4] ?? '20');
const examCount = 20;
const alertsPerSession = 100;
const listClients = 32;

const kafka = testKafka();
const pipeline = await TestPipeline.create(kafka, 'bench.api', 12);
const database = await createTestDatabase('bench_api');
const evidenceDir = await mkdtemp(path.join(tmpdir(), 'bench-api-'));
const admin = { email: 'admin@bench.test', password: 'bench admin password' };
const port = await freePort();
const api = spawn(process.execPath, ['--import', 'tsx', repoPath('api/src/bin/api.ts')], {
  cwd: repoPath('.'),
  env: {
    // eslint-disable-next-line no-restricted-properties -- the API gets this environment plus its own
    ...process.env,
    ...pipeline.topics,
    DATABASE_URL: database.url,
    API_PORT: String(port),
    API_METRICS_PORT: '0',
    API_JWT_SECRET: randomBytes(32).toString('hex'),
    INGEST_TOKEN_SECRET: randomBytes(32).toString('hex'),
    EVIDENCE_KEY: randomBytes(32).toString('base64'),
    EVIDENCE_DIR: evidenceDir,
    API_AUTH_RATE_PER_MINUTE: '100000',
    API_BOOTSTRAP_ADMIN_EMAIL: admin.email,
    API_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;

async function call(method: string, route: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}
const login = async (email: string, password: string) =>
  (await call('POST', '/api/auth/login', undefined, { email, password })).accessToken as string;

/** Exams made through the API; users, sessions and alerts written straight into PostgreSQL. */
async function seed() {
  const adminToken = await login(admin.email, admin.password);
  const exams: string[] = [];
  for (let index = 0; index < examCount; index += 1) {
    const exam = await call('POST', '/api/exams', adminToken, {
      title: `Bench exam ${index + 1}`,
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
      durationMinutes: 120,
      surveillanceLevel: 'STANDARD',
    });
    exams.push(exam.id as string);
  }
  const password = 'bench proctor password';
  const hash = await hashPassword(password);
  const sql = database.pool;
  await sql.query(
    `INSERT INTO users (id, email, display_name, role, password_hash)
     SELECT 'proctor-' || i, 'proctor-' || i || '@bench.test', 'Proctor ' || i, 'proctor', $1
     FROM generate_series(1, $2) i`,
    [hash, proctorCount],
  );
  await sql.query(
    `INSERT INTO users (id, email, display_name, role, password_hash)
     SELECT 'student-' || i, 'student-' || i || '@bench.test', 'Student ' || i, 'student', $1
     FROM generate_series(1, $2) i`,
    [hash, sessionCount],
  );
  const sessions = Array.from({ length: sessionCount }, (_, index) => ({
    id: randomUUID(),
    examId: exams[index % examCount]!,
    candidateId: `student-${index + 1}`,
  }));
  await sql.query(
    `INSERT INTO exam_members (exam_id, user_id, member_role)
     SELECT ($1::text[])[1 + (i - 1) % $2], 'proctor-' || i, 'proctor' FROM generate_series(1, $3) i
     UNION ALL SELECT exam_id, candidate_id, 'candidate' FROM unnest($4::text[], $5::text[]) AS s(exam_id, candidate_id)`,
    [exams, examCount, proctorCount, sessions.map((s) => s.examId), sessions.map((s) => s.candidateId)],
  );
  await sql.query(
    `INSERT INTO sessions (id, exam_id, candidate_id, status)
     SELECT * , 'active' FROM unnest($1::text[], $2::text[], $3::text[])`,
    [sessions.map((s) => s.id), sessions.map((s) => s.examId), sessions.map((s) => s.candidateId)],
  );
  await sql.query(
    `INSERT INTO alerts (id, session_id, exam_id, candidate_id, rule, state, severity, description, revision,
                         start_seq, started_at, ended_at)
     SELECT s.id || '-' || n, s.id, s.exam_id, s.candidate_id,
       (ARRAY['no_face', 'looking_away', 'phone_visible', 'speech', 'forbidden_app'])[1 + n % 5],
       CASE WHEN n % 10 = 0 THEN 'open' ELSE 'closed' END,
       (ARRAY['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])[1 + n % 4], 'Bench alert', 1, n * 10,
       now() - (n || ' minutes')::interval, now() - (n || ' minutes')::interval + interval '30 seconds'
     FROM sessions s, generate_series(1, $1) n`,
    [alertsPerSession],
  );
  await sql.query('ANALYZE');
  const proctors = await Promise.all(
    Array.from({ length: proctorCount }, async (_, index) => ({
      token: await login(`proctor-${index + 1}@bench.test`, password),
      examId: exams[index % examCount]!,
    })),
  );
  return { proctors, sessions };
}

/** `listClients` clients asking for alert pages back to back for `seconds`; each request is one proctor's. */
async function loadAlertList(proctors: { token: string; examId: string }[], route: (examId: string) => string) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let failures = 0;
  await Promise.all(
    Array.from({ length: listClients }, async (_, client) => {
      for (let request = client; performance.now() < deadline; request += listClients) {
        const proctor = proctors[request % proctors.length]!;
        const started = performance.now();
        const response = await fetch(`${base}${route(proctor.examId)}`, {
          headers: { authorization: `Bearer ${proctor.token}` },
        });
        await response.arrayBuffer();
        if (response.ok) latencies.push(performance.now() - started);
        else failures += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
  };
}

const format = ({ perSecond, p50, p99, failures }: Awaited<ReturnType<typeof loadAlertList>>) =>
  `${perSecond.toFixed(0)} req/s, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms${failures ? `, ${failures} failed` : ''}`;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

try {
  await waitForReady(base, api, 'the API');
  const { proctors, sessions } = await seed();
  console.log(
    `\none API process; ${examCount} exams, ${sessionCount} sessions, ${sessionCount * alertsPerSession} alerts, ${proctorCount} proctors; ${listClients} clients for ${seconds} s each`,
  );
  const firstPage = (examId: string) => `/api/alerts?examId=${examId}&limit=50`;
  const filtered = (examId: string) => `/api/alerts?examId=${examId}&state=open&severity=HIGH&limit=50`;
  console.log(`alert list, first page of an exam:         ${format(await loadAlertList(proctors, firstPage))}`);
  console.log(`alert list, open HIGH alerts of an exam:    ${format(await loadAlertList(proctors, filtered))}`);

  // Every proctor on the live stream of their exam.
  const risk: number[] = [];
  const alerts: number[] = [];
  const alertSentAt = new Map<string, number>();
  const controller = new AbortController();
  const streams = await Promise.all(
    proctors.map(async ({ token }) => {
      const response = await fetch(`${base}/api/live`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      let ready: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      const done = readLiveStream(response, ({ type, data }) => {
        const now = Date.now();
        if (type === 'ready') ready();
        else if (type === 'risk') risk.push(now - (data.computedTime as number));
        else if (type === 'alert') alerts.push(now - alertSentAt.get(data.id as string)!);
      });
      await isReady;
      // Wrapped: returning the promise itself would wait for the stream's end.
      return { done };
    }),
  );

  // Risk once a second per session, 10 alerts a second, for as long as the list is loaded again.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const riskTopic = pipeline.topics.RISK_TOPIC;
  let sentRisk = 0;
  let sentAlerts = 0;
  const ticksPerSecond = 10;
  let tick = 0;
  const feed = setInterval(() => {
    tick += 1;
    const slice = sessions.filter((_, index) => index % ticksPerSecond === tick % ticksPerSecond);
    const messages = slice.map(({ id, examId, candidateId }) => {
      const update: RiskUpdate = {
        sessionId: id,
        examId,
        candidateId,
        riskScore: 12,
        level: 'LOW',
        captureTime: Date.now(),
        computedTime: Date.now(),
        contributions: [{ rule: 'looking_away', points: 12 }],
      };
      return { key: id, value: pipeline.serde.encode(riskTopic, update) };
    });
    sentRisk += messages.length;
    void producer.send({ topic: riskTopic, messages });
    const session = sessions[sentAlerts % sessions.length]!;
    const alertId = `live-${sentAlerts}`;
    sentAlerts += 1;
    alertSentAt.set(alertId, Date.now());
    const notice: AlertNotice = {
      alertId,
      sessionId: session.id,
      examId: session.examId,
      action: 'OPENED',
      revision: 1,
    };
    void database.pool.query(
      `WITH inserted AS (
         INSERT INTO alerts (id, session_id, exam_id, candidate_id, rule, state, severity, description, revision,
                             start_seq, started_at)
         VALUES ($1, $2, $3, $4, 'phone_visible', 'open', 'HIGH', 'Phone visible', 1, 0, now()) RETURNING id)
       SELECT pg_notify($5, $6) FROM inserted`,
      [alertId, session.id, session.examId, session.candidateId, alertsChannel, JSON.stringify(notice)],
    );
  }, 1000 / ticksPerSecond);
  const cpuBefore = await cpuSeconds(api.pid!);
  const underLive = await loadAlertList(proctors, firstPage);
  const cpu = (await cpuSeconds(api.pid!)) - cpuBefore;
  clearInterval(feed);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  controller.abort();
  await Promise.all(streams.map(({ done }) => done));
  await producer.disconnect();

  const watchers = proctorCount / examCount;
  risk.sort((a, b) => a - b);
  alerts.sort((a, b) => a - b);
  console.log(`alert list, ${proctorCount} proctors on the live stream: ${format(underLive)}`);
  console.log(
    `live risk: ${sentRisk} updates sent, ${risk.length} of ${sentRisk * watchers} deliveries (${(risk.length / seconds).toFixed(0)}/s), Kafka to proctor p50 ${percentile(risk, 50)} ms, p99 ${percentile(risk, 99)} ms`,
  );
  console.log(
    `live alerts: ${sentAlerts} sent, ${alerts.length} of ${sentAlerts * watchers} deliveries, NOTIFY to proctor p50 ${percentile(alerts, 50)} ms, p99 ${percentile(alerts, 99)} ms`,
  );
  console.log(
    `API process: ${(cpu / seconds).toFixed(2)} cores while live and listing, ${(await rssMiB(api.pid!)).toFixed(0)} MiB resident`,
  );
} finally {
  api.kill('SIGTERM');
  await new Promise((resolve) => api.once('exit', resolve));
  await database.drop();
  await pipeline.close();
  await rm(evidenceDir, { recursive: true, force: true });
}
