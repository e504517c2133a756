import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { eventually, freePort, uniqueName } from '@proctoflex/core/testing';
import { ensureCommand } from '../infra/lib.ts';
import { addUser, admin, startApi, startSession, startTestStages, streamScriptedSession } from './src/testing.ts';

const run = promisify(execFile);

test("the exam board's report: every candidate, alert, decision, reviewer and time, as CSV and as a PDF that renders; instructors of the exam and admins only, audited", async (t) => {
  const gatewayPort = await freePort();
  const api = await startApi(t, { API_INGEST_URL: `http://127.0.0.1:${gatewayPort}` });
  const stages = await startTestStages(api, gatewayPort);
  t.after(() => stages.stop());
  const { accessToken: adminToken } = await api.login(admin.email, admin.password);
  // Names and comments come from people: a Greek name, one a spreadsheet would run, one with a comma and quotes.
  const user = (role: string, displayName: string) => addUser(api, adminToken, role, displayName);
  const instructor = await user('instructor', 'Ines Instructor');
  const otherInstructor = await user('instructor', 'Oscar Other');
  const proctor = await user('proctor', 'Pat Proctor');
  const cheater = await user('student', 'Zoë Ωμέγα');
  const absent = await user('student', '=HYPERLINK("http://evil.test")');
  const honest = await user('student', 'Lee, "Sam"');
  const { body: exam } = await api.call('POST', '/api/exams', instructor.token, {
    title: 'Linear algebra, final',
    startsAt: new Date(Date.now() - 3_600_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    durationMinutes: 90,
    surveillanceLevel: 'STANDARD',
  });
  const examId = exam.id as string;
  await api.call('PUT', `/api/exams/${examId}/members`, instructor.token, {
    candidates: [cheater.id, absent.id, honest.id],
    proctors: [proctor.id],
  });

  // Two sittings through the real pipeline: 45 s with forbidden apps and sites from second 20
  // to 40 (alerts), and 12 quiet seconds (none); the third candidate never starts.
  const sit = async (student: typeof cheater, behaviour: 'forbidden-app' | 'honest', seconds: number) => {
    const grant = (await startSession(api.call, examId, student.token)).body as {
      sessionId: string;
      ingestUrl: string;
      ingestToken: string;
    };
    const claims = { sessionId: grant.sessionId, examId, candidateId: student.id };
    await streamScriptedSession(grant, claims, behaviour, seconds, { ended: true });
    await api.call('POST', `/api/sessions/${grant.sessionId}/end`, student.token);
    return grant.sessionId;
  };
  const [cheaterSession, honestSession] = await Promise.all([
    sit(cheater, 'forbidden-app', 45),
    sit(honest, 'honest', 12),
  ]);
  const alerts = await eventually(
    'the forbidden app and site alerts',
    async () => {
      const { body } = await api.call('GET', `/api/alerts?examId=${examId}`, proctor.token);
      const listed = body.alerts as { id: string; rule: string; description: string }[];
      return listed.length >= 2 ? listed : undefined;
    },
    60_000,
  );
  const confirmed = alerts.find(({ rule }) => rule === 'forbidden_app')!;
  const comment = '=cmd|"/c calc"!A1, then "chat" open';
  const review = await api.call('POST', `/api/alerts/${confirmed.id}/review`, proctor.token, {
    decision: 'confirm',
    comment,
  });
  assert.equal(review.status, 200);

  const download = (format: string, token: string) =>
    fetch(`http://127.0.0.1:${api.port}/api/exams/${examId}/report.${format}`, {
      headers: { authorization: `Bearer ${token}` },
    });

  // The CSV: a row per alert, a row for the sitting without alerts, one for the candidate who did not sit.
  const csv = await download('csv', instructor.token);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="exam-report-.*\.csv"/);
  const rows = parse<Record<string, string>>(await csv.text(), { columns: true });
  assert.deepEqual(new Set(rows.map(({ exam_title }) => exam_title)), new Set(['Linear algebra, final']));
  const cheaterRows = rows.filter(({ candidate_id }) => candidate_id === cheater.id);
  assert.deepEqual(
    cheaterRows.map(({ alert_id }) => alert_id).sort(),
    alerts.map(({ id }) => id).sort(),
    "every alert of the candidate's session",
  );
  const decided = cheaterRows.find(({ alert_id }) => alert_id === confirmed.id)!;
  assert.deepEqual(
    [decided.candidate_name, decided.session_id, decided.session_status, decided.decision, decided.reviewer],
    ['Zoë Ωμέγα', cheaterSession, 'ended', 'confirmed', 'Pat Proctor'],
  );
  assert.equal(decided.comment, `'${comment}`, 'a formula is not run by a spreadsheet');
  assert.match(String(decided.reviewed_at_utc), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.match(String(decided.alert_started_utc), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.ok(
    cheaterRows.filter(({ alert_id }) => alert_id !== confirmed.id).every(({ decision }) => decision === 'pending'),
  );
  const honestRows = rows.filter(({ candidate_id }) => candidate_id === honest.id);
  assert.deepEqual(
    honestRows.map(({ candidate_name, session_id, alert_id }) => [candidate_name, session_id, alert_id]),
    [['Lee, "Sam"', honestSession, '']],
  );
  const absentRows = rows.filter(({ candidate_id }) => candidate_id === absent.id);
  assert.deepEqual(
    absentRows.map(({ candidate_name, session_id }) => [candidate_name, session_id]),
    [[`'${absent.displayName}`, '']],
  );
  assert.equal(rows.length, alerts.length + 2);

  // The PDF renders (poppler), on pages that are not blank, and says the same.
  await ensureCommand('pdftoppm', ['poppler-utils']);
  const pdf = await download('pdf', adminToken);
  assert.deepEqual([pdf.status, pdf.headers.get('content-type')], [200, 'application/pdf']);
  const work = await mkdtemp(path.join(tmpdir(), 'report-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const file = path.join(work, 'report.pdf');
  await writeFile(file, Buffer.from(await pdf.arrayBuffer()));
  await run('pdftoppm', ['-r', '50', '-png', file, path.join(work, 'page')]);
  const pages = (await readdir(work)).filter((name) => name.startsWith('page')).sort();
  assert.ok(pages.length >= 1, `${pages.length} pages`);
  for (const page of pages) {
    const { channels } = await sharp(path.join(work, page)).stats();
    assert.ok(channels[0]!.min < 128, `${page} has text on it`);
  }
  // Compared without white space: a cell wraps its text onto lines of its own.
  const { stdout: text } = await run('pdftotext', [file, '-']);
  const unspaced = (words: string) => words.replace(/\s+/g, '');
  for (const expected of [
    'Exam report',
    'Linear algebra, final',
    'Zoë Ωμέγα',
    'Lee, "Sam"',
    absent.displayName,
    'did not sit',
    'Pat Proctor',
    'confirmed',
    'not reviewed',
    confirmed.description,
    `page 1 of ${pages.length}`,
  ])
    assert.ok(unspaced(text).includes(unspaced(expected)), `the PDF says ${expected}`);

  // The exam's instructor and admins only; every download audited.
  for (const token of [proctor.token, otherInstructor.token, cheater.token])
    assert.equal((await download('csv', token)).status, 403);
  const unknown = await fetch(`http://127.0.0.1:${api.port}/api/exams/${uniqueName('exam')}/report.pdf`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  assert.equal(unknown.status, 404);
  const { body: audited } = await api.call('GET', `/api/audit?entityType=exam&entityId=${examId}`, adminToken);
  const { body: me } = await api.call('GET', '/api/me', adminToken);
  assert.deepEqual(
    (audited.entries as { action: string; actorId: string; after: { format: string } }[])
      .filter(({ action }) => action === 'exam.report')
      .map(({ actorId, after }) => [actorId, after.format])
      .sort(),
    [
      [me.id as string, 'pdf'],
      [instructor.id, 'csv'],
    ].sort(),
  );
});
