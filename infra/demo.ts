import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, runMain } from '@proctoflex/core';
import { behaviourOf, runSimulation } from '@proctoflex/ingest/sim';
import { loadInfraConfig } from './config.ts';
import { progress } from './lib.ts';
import { apiPort, gatewayPort, startPipeline } from './local-pipeline.ts';
import { upServices } from './services.ts';

const usage = `usage: npm run demo -- [--candidates N] [--minutes M]
Starts the stack (as npm start), makes a demo exam with a proctor and N candidates through the API,
each candidate starting a session as the desktop does, and streams them with the simulator for M
minutes: 6 in 10 honest, the others looking away, holding a phone, with a second person, talking,
opening forbidden apps, leaving or replaced, from second 20 to 40 of every minute.`;

const demoProctor = { email: 'proctor@proctoflex.local', password: 'proctoflex demo', displayName: 'Demo Proctor' };
const api = `http://127.0.0.1:${apiPort}`;

async function call(method: string, route: string, token: string | null, body?: unknown) {
  const response = await fetch(`${api}${route}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  return { status: response.status, body: answer ?? {} };
}

async function signIn(email: string, password: string): Promise<string> {
  const { status, body } = await call('POST', '/api/auth/login', null, { email, password });
  if (status !== 200) throw new Error(`sign-in of ${email} refused: ${status} ${JSON.stringify(body)}`);
  return body.accessToken as string;
}

/** The user's id: created now, or found when the email exists already (the proctor of an earlier demo). */
async function userId(admin: string, user: { email: string; password: string; displayName: string }, role: string) {
  const created = await call('POST', '/api/users', admin, { ...user, role });
  if (created.status === 201) return created.body.id as string;
  const { body } = await call('GET', `/api/users?role=${role}`, admin);
  const existing = (body.users as { id: string; email: string }[]).find(({ email }) => email === user.email);
  if (!existing) throw new Error(`could not create ${user.email}: ${JSON.stringify(created.body)}`);
  return existing.id;
}

runMain('demo', async () => {
  const { values } = parseArgs({
    options: { candidates: { type: 'string', default: '20' }, minutes: { type: 'string', default: '10' } },
  });
  const candidates = Number(values.candidates);
  const minutes = Number(values.minutes);
  if (!Number.isInteger(candidates) || candidates <= 0 || !(minutes > 0)) throw new ConfigError(usage);

  const config = loadInfraConfig();
  await upServices(config);
  const secrets = await startPipeline(config);
  const admin = await signIn(secrets.adminEmail, secrets.adminPassword);
  const proctorId = await userId(admin, demoProctor, 'proctor');
  const run = randomBytes(3).toString('hex');
  const { body: exam } = await call('POST', '/api/exams', admin, {
    title: `Demo exam ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    startsAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    endsAt: new Date(Date.now() + (minutes + 30) * 60_000).toISOString(),
    durationMinutes: Math.ceil(minutes) + 5,
    surveillanceLevel: 'STANDARD',
    allowedApps: ['calculator'],
    allowedDomains: ['exam.proctoflex.dev'],
  });
  const examId = exam.id as string;
  const students = await Promise.all(
    Array.from({ length: candidates }, async (_, index) => {
      const student = {
        email: `candidate-${run}-${index + 1}@proctoflex.local`,
        password: randomBytes(12).toString('base64url'),
        displayName: `Candidate ${index + 1} (${behaviourOf(index)})`,
      };
      return { ...student, id: await userId(admin, student, 'student') };
    }),
  );
  await call('PUT', `/api/exams/${examId}/members`, admin, {
    candidates: students.map(({ id }) => id),
    proctors: [proctorId],
  });
  // Each candidate signs in, agrees to the recording notice and starts a session as the desktop does;
  // the simulator sends for it.
  const sessions = await Promise.all(
    students.map(async (student) => {
      const token = await signIn(student.email, student.password);
      const { body: notice } = await call('GET', `/api/exams/${examId}/notice`, token);
      const { body: grant } = await call('POST', `/api/exams/${examId}/sessions`, token, {
        noticeVersion: notice.version,
      });
      return {
        token,
        session: {
          claims: { sessionId: grant.sessionId as string, examId, candidateId: student.id },
          token: grant.ingestToken as string,
        },
      };
    }),
  );
  console.log(
    `\nDemo exam with ${candidates} candidates for ${minutes} min. Open ${api}/#/exams/${examId}/live\n` +
      `and sign in as ${demoProctor.email}, password "${demoProctor.password}". First alerts after about a minute.\n`,
  );
  await runSimulation({
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    sessions: sessions.map(({ session }) => session),
    durationSeconds: minutes * 60,
    rampSeconds: 2,
    reportEverySeconds: 30,
    onReport: (report) =>
      progress(
        'demo',
        `${report.recordsPerSecond.toFixed(0)} records/s sent, ack p99 ${report.ackLatencyMs.p99} ms, ${report.unackedRecords} unacknowledged`,
      ),
  });
  await Promise.all(
    sessions.map(({ token, session }) => call('POST', `/api/sessions/${session.claims.sessionId}/end`, token)),
  );
  progress('demo', `ended; the exam stays in the dashboard (${api}/#/exams/${examId}/alerts)`);
});
