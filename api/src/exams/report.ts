import { createRequire } from 'node:module';
import type pg from 'pg';
import PDFDocument from 'pdfkit';

/** One alert of a session, with the proctors' latest decision on it. */
interface ReportAlert {
  readonly id: string;
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  /** pending, confirmed, dismissed or escalated. */
  readonly decision: string;
  readonly reviewer: string | null;
  readonly reviewedAt: Date | null;
  readonly comment: string | null;
}

interface ReportSession {
  readonly id: string;
  readonly status: string;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly verification: string | null;
  readonly alerts: ReportAlert[];
}

interface ReportCandidate {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly sessions: ReportSession[];
}

/** What the exam board is given about one exam: every candidate, their sessions, alerts and decisions. */
export interface ExamReport {
  readonly exam: {
    readonly id: string;
    readonly title: string;
    readonly startsAt: Date;
    readonly endsAt: Date;
    readonly surveillanceLevel: string;
    readonly retentionDays: number;
  };
  readonly generatedAt: Date;
  /** Candidates enrolled or with a session (one may have been removed from the exam after sitting it), by name. */
  readonly candidates: ReportCandidate[];
}

/** Map.groupBy, which Node 20 lacks. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(item);
    else groups.set(keyOf(item), [item]);
  }
  return groups;
}

export async function examReport(pool: pg.Pool, examId: string): Promise<ExamReport> {
  const [{ rows: exams }, { rows: candidates }, { rows: sessions }, { rows: alerts }] = await Promise.all([
    pool.query<ExamReport['exam']>(
      `SELECT id, title, starts_at AS "startsAt", ends_at AS "endsAt",
         policy->>'surveillanceLevel' AS "surveillanceLevel", retention_days AS "retentionDays"
       FROM exams WHERE id = $1`,
      [examId],
    ),
    pool.query<Omit<ReportCandidate, 'sessions'>>(
      `SELECT u.id, u.display_name AS name, u.email FROM users u
       WHERE u.id IN (SELECT user_id FROM exam_members WHERE exam_id = $1 AND member_role = 'candidate'
                      UNION SELECT candidate_id FROM sessions WHERE exam_id = $1)
       ORDER BY u.display_name, u.id`,
      [examId],
    ),
    pool.query<Omit<ReportSession, 'alerts'> & { candidateId: string }>(
      `SELECT id, candidate_id AS "candidateId", status, started_at AS "startedAt", ended_at AS "endedAt", verification
       FROM sessions WHERE exam_id = $1 ORDER BY started_at`,
      [examId],
    ),
    pool.query<ReportAlert & { sessionId: string }>(
      `SELECT a.id, a.session_id AS "sessionId", a.rule, a.severity, a.description, a.started_at AS "startedAt",
         a.ended_at AS "endedAt", a.review_status AS decision, r.display_name AS reviewer, a.reviewed_at AS "reviewedAt",
         (SELECT l.comment FROM audit_log l WHERE l.entity_type = 'alert' AND l.entity_id = a.id
            AND l.action = 'alert.review' ORDER BY l.id DESC LIMIT 1) AS comment
       FROM alerts a LEFT JOIN users r ON r.id = a.reviewed_by
       WHERE a.exam_id = $1 ORDER BY a.started_at, a.id`,
      [examId],
    ),
  ]);
  const alertsOf = groupBy(alerts, ({ sessionId }) => sessionId);
  const sessionsOf = groupBy(
    sessions.map((session) => ({ ...session, alerts: alertsOf.get(session.id) ?? [] })),
    ({ candidateId }) => candidateId,
  );
  return {
    exam: exams[0]!,
    generatedAt: new Date(),
    candidates: candidates.map((candidate) => ({ ...candidate, sessions: sessionsOf.get(candidate.id) ?? [] })),
  };
}

/** A time as the report prints it: UTC to the second. */
const utc = (at: Date | null) => (at ? at.toISOString().slice(0, 19).replace('T', ' ') : '');

const csvColumns = [
  'exam_id',
  'exam_title',
  'candidate_id',
  'candidate_name',
  'candidate_email',
  'session_id',
  'session_status',
  'session_started_utc',
  'session_ended_utc',
  'identity',
  'alert_id',
  'rule',
  'severity',
  'description',
  'alert_started_utc',
  'alert_ended_utc',
  'decision',
  'reviewer',
  'reviewed_at_utc',
  'comment',
];

/**
 * A CSV field: quoted when it holds a separator, a quote or a line break; text a spreadsheet would
 * run as a formula (=, +, -, @, tab, CR first: names, window titles and comments come from
 * people) is prefixed with an apostrophe.
 */
function csvField(value: string | null): string {
  const text = /^[=+\-@\t\r]/.test(value ?? '') ? `'${value}` : (value ?? '');
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per alert; a session without alerts, and a candidate who never sat, on a row of their own. */
export function reportCsv({ exam, candidates }: ExamReport): string {
  const rows: (string | null)[][] = [csvColumns];
  for (const candidate of candidates) {
    const who = [exam.id, exam.title, candidate.id, candidate.name, candidate.email];
    if (candidate.sessions.length === 0) rows.push([...who, ...Array<null>(csvColumns.length - who.length).fill(null)]);
    for (const session of candidate.sessions) {
      const sat = [
        ...who,
        session.id,
        session.status,
        utc(session.startedAt),
        utc(session.endedAt),
        session.verification,
      ];
      if (session.alerts.length === 0) rows.push([...sat, ...Array<null>(csvColumns.length - sat.length).fill(null)]);
      for (const alert of session.alerts)
        rows.push([
          ...sat,
          alert.id,
          alert.rule,
          alert.severity,
          alert.description,
          utc(alert.startedAt),
          utc(alert.endedAt),
          alert.decision,
          alert.reviewer,
          utc(alert.reviewedAt),
          alert.comment,
        ]);
    }
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** DejaVu Sans (shipped by npm): Latin, Greek, Cyrillic, Arabic and Hebrew names print; CJK ones show empty boxes. */
const fontFile = (name: string) => createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${name}.ttf`);
const fonts = { regular: fontFile('DejaVuSans'), bold: fontFile('DejaVuSans-Bold') };

/** Cells longer than this are cut in the PDF (a cell must fit a page); the CSV has them whole. */
const pdfCellChars = 300;

interface Column {
  readonly title: string;
  readonly width: number;
}

/** Rows of cells under a header row, wrapped, onto as many pages as they take (the header again on each). */
function table(doc: PDFKit.PDFDocument, columns: readonly Column[], rows: readonly string[][]): void {
  const left = doc.page.margins.left;
  const padding = 3;
  const heightOf = (cells: readonly string[]) =>
    Math.max(...cells.map((cell, index) => doc.heightOfString(cell, { width: columns[index]!.width - 2 * padding })));
  const drawRow = (cells: readonly string[], header: boolean) => {
    const height = heightOf(cells) + 2 * padding;
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      if (!header) drawRow(headerCells, true);
    }
    const top = doc.y;
    if (header) doc.rect(left, top, doc.page.width - left - doc.page.margins.right, height).fill('#e8ecf1');
    doc.fillColor('#000').font(header ? fonts.bold : fonts.regular);
    let x = left;
    for (const [index, cell] of cells.entries()) {
      doc.text(cell, x + padding, top + padding, { width: columns[index]!.width - 2 * padding });
      x += columns[index]!.width;
    }
    doc.x = left;
    doc.y = top + height;
  };
  const headerCells = columns.map(({ title }) => title);
  doc.fontSize(8);
  drawRow(headerCells, true);
  for (const row of rows)
    drawRow(
      row.map((cell) => (cell.length > pdfCellChars ? `${cell.slice(0, pdfCellChars)}…` : cell)),
      false,
    );
  doc.moveDown();
}

/** The two tables of the PDF; widths add up to the A4 page inside 40-point margins (515). */
const candidateColumns: Column[] = [
  { title: 'Candidate', width: 105 },
  { title: 'Email', width: 140 },
  { title: 'Sat', width: 85 },
  { title: 'Identity', width: 50 },
  { title: 'Alerts', width: 35 },
  { title: 'Confirmed', width: 48 },
  { title: 'Not reviewed', width: 52 },
];
const alertColumns: Column[] = [
  { title: 'Started', width: 75 },
  { title: 'Alert', width: 130 },
  { title: 'Severity', width: 45 },
  { title: 'Decision', width: 50 },
  { title: 'Reviewer', width: 65 },
  { title: 'Reviewed', width: 75 },
  { title: 'Comment', width: 75 },
];

const decisions = ['confirmed', 'dismissed', 'escalated', 'pending'] as const;
/** A decision as the exam board reads it. */
const decisionWords = (decision: string) => (decision === 'pending' ? 'not reviewed' : decision);

/**
 * The report as an A4 PDF: the exam and its totals, a line per candidate, then each candidate's
 * alerts with the decision, the reviewer, when and why. Returned unended, as a stream to pipe.
 */
export function reportPdf({ exam, generatedAt, candidates }: ExamReport): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 40,
    bufferPages: true,
    info: { Title: `Exam report: ${exam.title}`, Creator: 'ProctoFlex' },
  });
  const alertsOf = (candidate: ReportCandidate) => candidate.sessions.flatMap(({ alerts }) => alerts);
  const all = candidates.flatMap(alertsOf);
  const count = (alerts: readonly ReportAlert[], decision: string) =>
    alerts.filter((alert) => alert.decision === decision).length;

  doc.font(fonts.bold).fontSize(18).text('Exam report');
  doc.fontSize(13).text(exam.title);
  doc.moveDown(0.5).font(fonts.regular).fontSize(10);
  doc.text(`Exam window: ${utc(exam.startsAt)} to ${utc(exam.endsAt)} UTC`);
  doc.text(`Surveillance level: ${exam.surveillanceLevel}; records kept ${exam.retentionDays} days after the exam`);
  doc.text(
    `Generated ${utc(generatedAt)} UTC. Times are UTC. Every alert was raised by the detectors; the decision is a proctor's.`,
  );
  doc.moveDown(0.5);
  const sat = candidates.filter(({ sessions }) => sessions.length > 0).length;
  doc.text(
    `Candidates: ${candidates.length}, of whom ${sat} sat the exam (${candidates.reduce((sum, { sessions }) => sum + sessions.length, 0)} sessions).`,
  );
  doc.text(
    `Alerts: ${all.length}: ${decisions.map((decision) => `${count(all, decision)} ${decisionWords(decision)}`).join(', ')}.`,
  );
  doc.moveDown();

  doc.font(fonts.bold).fontSize(12).text('Candidates');
  doc.moveDown(0.3);
  table(
    doc,
    candidateColumns,
    candidates.map((candidate) => {
      const alerts = alertsOf(candidate);
      const first = candidate.sessions[0];
      return [
        candidate.name,
        candidate.email,
        first
          ? `${utc(first.startedAt)}${candidate.sessions.length > 1 ? ` (${candidate.sessions.length} sessions)` : ''}`
          : 'did not sit',
        candidate.sessions.map(({ verification }) => verification ?? 'no reference').join(' '),
        String(alerts.length),
        String(count(alerts, 'confirmed')),
        String(count(alerts, 'pending')),
      ];
    }),
  );

  for (const candidate of candidates) {
    const alerts = alertsOf(candidate);
    if (alerts.length === 0) continue;
    if (doc.y > doc.page.height - 120) doc.addPage();
    doc.font(fonts.bold).fontSize(11).text(`Alerts of ${candidate.name} (${candidate.email})`);
    doc.moveDown(0.3);
    table(
      doc,
      alertColumns,
      alerts.map((alert) => [
        utc(alert.startedAt),
        alert.description,
        alert.severity,
        decisionWords(alert.decision),
        alert.reviewer ?? '',
        utc(alert.reviewedAt),
        alert.comment ?? '',
      ]),
    );
  }

  const { start, count: pages } = doc.bufferedPageRange();
  for (let page = start; page < start + pages; page += 1) {
    doc.switchToPage(page);
    const bottom = doc.page.margins.bottom;
    // Writing below the bottom margin would add a page: lift it for the footer.
    doc.page.margins.bottom = 0;
    doc
      .font(fonts.regular)
      .fontSize(8)
      .fillColor('#555')
      .text(`${exam.title} · page ${page - start + 1} of ${pages}`, doc.page.margins.left, doc.page.height - 28, {
        width: doc.page.width - doc.page.margins.left - doc.page.margins.right,
        align: 'center',
      });
    doc.page.margins.bottom = bottom;
  }
  return doc;
}
