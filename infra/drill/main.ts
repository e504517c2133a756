import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ConfigError, runMain } from '@proctoflex/core';
import { loadInfraConfig } from '../config.ts';
import { servicesOf } from '../services.ts';
import { drills } from './drills.ts';
import { IsolatedStack } from '../stack.ts';
import {
  checkAlerts,
  checkAlertsInPostgres,
  checkClickHouse,
  checkIngest,
  checkScores,
  expectedClickHouseRows,
} from './verify.ts';

const usage = `usage: npm run drill -- [--only NAME[,NAME...]] [--candidates N]
Runs the whole stack on topics and databases of its own and, one drill after another, injects
a fault while N simulated candidates stream (25 s before and after it), waits for the stack to
catch up, and checks that nothing was lost or duplicated: every record sent is in Kafka, every
input scored as often as owed, alerts whole and once, PostgreSQL and ClickHouse equal to Kafka,
evidence sealed for every alert. Restarts the local Kafka, PostgreSQL, ClickHouse and registry;
run as root (the evidence disk is a tmpfs it fills). Drills: ${drills.map(({ name }) => name).join(', ')}.`;

/** Load before and after the fault: simulated misconduct runs from second 20 to 40 of each minute. */
const warmupMs = 25_000;
const afterMs = 25_000;
const catchUpTimeoutMs = 5 * 60_000;
const evidenceTimeoutMs = 2 * 60_000;

runMain('drill', async () => {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, candidates: { type: 'string', default: '8' } },
  });
  const chosen = values.only ? values.only.split(',') : drills.map(({ name }) => name);
  const unknown = chosen.filter((name) => !drills.some((drill) => drill.name === name));
  const candidates = Number(values.candidates);
  if (unknown.length > 0 || !Number.isInteger(candidates) || candidates <= 0) throw new ConfigError(usage);
  const services = servicesOf(loadInfraConfig());
  const external = Object.entries(services).filter(([, service]) => !service.isLocal);
  if (external.length > 0)
    throw new ConfigError(
      `drills restart the services they run on; ${external.map(([name]) => name).join(', ')} is not local`,
    );
  if (process.getuid?.() !== 0) throw new ConfigError('drills mount a tmpfs for the evidence disk: run them as root');

  const stack = await IsolatedStack.start({ prefix: 'drill', partitions: 6, evidenceBytes: 1024 ** 3 });
  // The checks cover everything so far; a drill reports only what earlier ones did not.
  const reportedFindings = new Set<string>();
  const reportedWithoutEvidence = new Set<string>();
  const results: { name: string; faultSeconds: number; recoverySeconds: number | null; findings: string[] }[] = [];
  try {
    for (const drill of drills.filter(({ name }) => chosen.includes(name))) {
      console.log(`\ndrill ${drill.name}: ${drill.what}; ${candidates} candidates streaming`);
      const crashesBefore = stack.crashes.length;
      let faultSeconds = 0;
      const { result, unacked } = await stack.load(
        candidates,
        warmupMs,
        async () => {
          const started = Date.now();
          const findings = await drill.inject(stack, services);
          faultSeconds = (Date.now() - started) / 1000;
          return findings;
        },
        afterMs,
      );
      const loadEnd = Date.now();
      const findings = [...result, ...stack.crashes.slice(crashesBefore).map((crash) => `crash: ${crash}`)];
      if (unacked > 0) findings.push(`ingest: ${unacked} records never acknowledged by the gateway`);
      const recoverySeconds = await stack.caughtUp(catchUpTimeoutMs).then(
        () => (Date.now() - loadEnd) / 1000,
        () => null,
      );
      if (recoverySeconds === null)
        findings.push(`the stages did not catch up within ${catchUpTimeoutMs / 60_000} min of the load's end`);
      const records = await stack.records();
      const opened = records.alerts.filter((alert) => alert.action === 'OPENED');
      const openedIds = opened.map((alert) => alert.alertId).filter((alertId) => !reportedWithoutEvidence.has(alertId));
      // Captures are sealed once the media after them arrived, or a few seconds after a session went quiet.
      let withoutEvidence = await stack.alertsWithoutEvidence(openedIds);
      for (const deadline = Date.now() + evidenceTimeoutMs; withoutEvidence.length > 0 && Date.now() < deadline;) {
        await delay(2000);
        withoutEvidence = await stack.alertsWithoutEvidence(openedIds);
      }
      const { rows } = await stack.database.pool.query<{ id: string; revision: number; state: string }>(
        'SELECT id, revision, state FROM alerts',
      );
      const { rows: history } = await stack.database.pool.query<{ alert_id: string; revision: number }>(
        'SELECT alert_id, revision FROM alert_history',
      );
      const expectedRows = expectedClickHouseRows(records);
      const checked = [
        ...checkIngest(records),
        ...checkScores(records, stack.objectEveryNth),
        ...checkAlerts(records.alerts),
        ...checkAlertsInPostgres(records.alerts, rows, history),
        ...checkClickHouse(expectedRows, await stack.clickHouseCounts(Object.keys(expectedRows))),
        ...withoutEvidence.map(({ alertId, files }) => {
          const said = stack.stageLogOf('evidence-sink', alertId);
          reportedWithoutEvidence.add(alertId);
          return `evidence: alert ${alertId} (${opened.find((alert) => alert.alertId === alertId)!.rule}) has ${files} of its 3 files${said ? `; the evidence sink said: ${said}` : ''}`;
        }),
      ];
      findings.push(...checked.filter((finding) => !reportedFindings.has(finding)));
      for (const finding of checked) reportedFindings.add(finding);
      results.push({ name: drill.name, faultSeconds, recoverySeconds, findings });
      console.log(
        `  ${findings.length === 0 ? 'passed' : 'FAILED'}: fault ${faultSeconds.toFixed(0)} s, caught up ${recoverySeconds === null ? 'never' : `${recoverySeconds.toFixed(0)} s`} after the load; so far ${records.sessions.length} session events, ${records.scores.length} scores, ${opened.length} alerts, ${rows.length} in PostgreSQL`,
      );
      for (const finding of findings) console.log(`    ${finding}`);
    }
  } finally {
    // A failed cleanup (leftover topics or databases) must not hide what the drills found.
    await stack.close().catch((error: unknown) => console.error('drill cleanup failed:', error));
  }
  console.log('\n| drill | fault lasted | caught up after the load | result |\n|---|---|---|---|');
  for (const { name, faultSeconds, recoverySeconds, findings } of results)
    console.log(
      `| ${name} | ${faultSeconds.toFixed(0)} s | ${recoverySeconds === null ? 'never' : `${recoverySeconds.toFixed(0)} s`} | ${findings.length === 0 ? 'nothing lost or duplicated' : `${findings.length} findings`} |`,
    );
  const failed = results.filter(({ findings }) => findings.length > 0).map(({ name }) => name);
  if (failed.length > 0) throw new Error(`drills failed: ${failed.join(', ')}`);
});
