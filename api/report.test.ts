import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import test from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { ensureCommand } from '../infra/lib.ts';
import { reportCsv, reportPdf, type ExamReport } from './src/exams/report.ts';

const run = promisify(execFile);

/** A large exam whose people wrote what people write: long comments, line breaks, scripts DejaVu lacks. */
function largeReport(candidates: number): ExamReport {
  const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 9, minute));
  return {
    exam: {
      id: 'exam-1',
      title: 'Statistics',
      startsAt: at(0),
      endsAt: at(120),
      surveillanceLevel: 'STRICT',
      retentionDays: 30,
    },
    generatedAt: at(130),
    candidates: Array.from({ length: candidates }, (_, index) => ({
      id: `candidate-${index}`,
      name: index % 3 === 0 ? `王小明 ${index} 🙂` : `Candidate ${index}`,
      email: `candidate-${index}@example.test`,
      sessions:
        index % 10 === 9
          ? []
          : [
              {
                id: `session-${index}`,
                status: 'ended',
                startedAt: at(1),
                endedAt: at(95),
                verification: index % 2 ? 'verified' : null,
                alerts: Array.from({ length: 3 }, (__, alert) => ({
                  id: `alert-${index}-${alert}`,
                  rule: 'phone_visible',
                  severity: 'HIGH',
                  description: `Phone in view for ${alert + 5} s`,
                  startedAt: at(10 + alert),
                  endedAt: at(11 + alert),
                  decision: alert === 0 ? 'confirmed' : 'pending',
                  reviewer: alert === 0 ? 'Pat Proctor' : null,
                  reviewedAt: alert === 0 ? at(100) : null,
                  comment: alert === 0 ? `line one\nline "two", ${'long '.repeat(200)}` : null,
                })),
              },
            ],
    })),
  };
}

test('a large exam: the PDF runs onto numbered pages that render, long cells cut; the CSV keeps every cell whole', async (t) => {
  const report = largeReport(300);
  const document = reportPdf(report);
  document.end();
  const pdf = await buffer(document);
  await ensureCommand('pdftoppm', ['poppler-utils']);
  const work = await mkdtemp(path.join(tmpdir(), 'report-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const file = path.join(work, 'report.pdf');
  await writeFile(file, pdf);
  const { stdout: info } = await run('pdfinfo', [file]);
  const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
  assert.ok(pages > 20, `${pages} pages`);
  const { stdout: last } = await run('pdftotext', ['-f', String(pages), '-l', String(pages), file, '-']);
  assert.match(last, new RegExp(`page ${pages} of ${pages}`));
  const { stdout: second } = await run('pdftotext', ['-f', '2', '-l', '2', file, '-']);
  assert.match(second, /Candidate[\s\S]*Email[\s\S]*Sat/, "the candidates' header again on a new page");
  assert.match(last, /Started[\s\S]*Alert[\s\S]*Decision/, "the alerts' header again on a new page");
  const { stdout: all } = await run('pdftotext', [file, '-']);
  const commented = report.candidates.filter(({ sessions }) => sessions.length > 0).length;
  assert.ok((all.match(/long/g)?.length ?? 0) <= commented * 60, 'a long comment is cut (300 characters)');
  await run('pdftoppm', ['-r', '20', '-png', '-f', String(pages), file, path.join(work, 'page')]);

  const rows = parse<Record<string, string>>(reportCsv(report), { columns: true });
  assert.equal(rows.length, 270 * 3 + 30);
  const withComment = rows.find(({ comment }) => comment !== '')!;
  assert.equal(withComment.comment, report.candidates[0]!.sessions[0]!.alerts[0]!.comment, 'whole, line breaks too');
  assert.equal(rows.filter(({ session_id }) => session_id === '').length, 30, 'those who did not sit');
});
