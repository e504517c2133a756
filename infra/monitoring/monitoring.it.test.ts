import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoPath } from '@proctoflex/core';
import { eventually, freePort, testKafka } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { startTestApi } from '@proctoflex/api/testing';
import { startTestGateway } from '@proctoflex/ingest/testing';
import { ensureCommand } from '../lib.ts';
import { apiMetricsPort, gatewayMetricsPort, stagePorts } from '../local-pipeline.ts';

const monitoring = repoPath('infra/monitoring');
const run = promisify(execFile);

interface Rules {
  groups: { rules: { alert: string; expr: string }[] }[];
}
interface Dashboard {
  panels: { id: number; title: string; targets: { refId: string; expr: string }[] }[];
}

async function expressions() {
  const rules = parse(await readFile(path.join(monitoring, 'alerts.yml'), 'utf8')) as Rules;
  const dashboard = JSON.parse(await readFile(path.join(monitoring, 'grafana/proctoflex.json'), 'utf8')) as Dashboard;
  return {
    dashboard,
    all: [
      ...rules.groups.flatMap((group) => group.rules.map(({ alert, expr }) => ({ where: `alert ${alert}`, expr }))),
      ...dashboard.panels.flatMap((panel) =>
        panel.targets.map(({ refId, expr }) => ({ where: `panel "${panel.title}" ${refId}`, expr })),
      ),
    ],
  };
}

const promqlWords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or strings. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((match) => match[1]!)
    .filter((name) => !promqlWords.has(name) && !/^\d/.test(name));
}

/** Metric names a process serves on /metrics; a histogram's series too (_bucket, _sum, _count). */
async function servedMetrics(url: string): Promise<string[]> {
  const text = await (await fetch(url)).text();
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
    type === 'histogram' ? [name!, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
  );
}

test('promtool accepts the scrape configuration and the alert rules', async () => {
  await ensureCommand('promtool', ['prometheus']);
  await run('promtool', ['check', 'config', path.join(monitoring, 'prometheus.yml')]);
  await run('promtool', ['check', 'rules', path.join(monitoring, 'alerts.yml')]);
});

test('the local scrape configuration has every process npm start runs', async () => {
  const config = parse(await readFile(path.join(monitoring, 'prometheus.yml'), 'utf8')) as {
    scrape_configs: { static_configs: { targets: string[] }[] }[];
  };
  const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap(({ targets }) => targets));
  assert.deepEqual(
    targets.map((target) => Number(target.split(':')[1])).sort(),
    [...Object.values(stagePorts), gatewayMetricsPort, apiMetricsPort].sort(),
  );
});

test(
  'every metric the alert rules and the Grafana dashboard read exists on a running stage, gateway and API, and Prometheus evaluates every expression',
  { timeout: 180_000 },
  async () => {
    await ensureCommand('prometheus', ['prometheus']);
    const pipeline = await TestPipeline.create(testKafka(), 'it.monitoring');
    const gateway = await startTestGateway();
    const api = await startTestApi();
    const stage = pipeline.spawnStage('risk');
    const dir = await mkdtemp(path.join(tmpdir(), 'prometheus-'));
    let prometheus: ReturnType<typeof spawn> | undefined;
    try {
      const stagePort = await stage.process.started;
      const targets = {
        'proctoflex-stages': `127.0.0.1:${stagePort}`,
        'proctoflex-ingest': new URL(gateway.metricsUrl).host,
        'proctoflex-api': new URL(api.metricsUrl).host,
      };
      const served = new Set(
        (await Promise.all(Object.values(targets).map((target) => servedMetrics(`http://${target}/metrics`)))).flat(),
      );
      const { all, dashboard } = await expressions();
      for (const { where, expr } of all) {
        for (const metric of metricsOf(expr)) {
          // `up` is Prometheus' own series for every target it scrapes.
          if (metric !== 'up') assert.ok(served.has(metric), `${where} reads ${metric}, which no process serves`);
        }
      }
      assert.equal(new Set(dashboard.panels.map(({ id }) => id)).size, dashboard.panels.length, 'panel ids are unique');

      // A real Prometheus scrapes the three, then evaluates every expression.
      const port = await freePort();
      await writeFile(
        path.join(dir, 'prometheus.yml'),
        `global: { scrape_interval: 1s }\nscrape_configs:\n${Object.entries(targets)
          .map(([job, target]) => `  - job_name: ${job}\n    static_configs: [{ targets: ['${target}'] }]\n`)
          .join('')}`,
      );
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: 'ignore' },
      );
      const query = async (expr: string) =>
        (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
          status: string;
          error?: string;
          data: { result: unknown[] };
        };
      await eventually(
        'Prometheus scraping all three',
        async () => (await query('up == 1').catch(() => null))?.data.result.length === 3,
        60_000,
      );
      for (const { where, expr } of all) {
        const answer = await query(expr);
        assert.equal(answer.status, 'success', `${where}: ${answer.error}`);
      }
      const stageSeries = await query('process_cpu_seconds_total{job="proctoflex-stages", component=~"it-risk.*"}');
      assert.equal(stageSeries.data.result.length, 1, 'the stage is scraped with its component label');
    } finally {
      prometheus?.kill();
      await rm(dir, { recursive: true, force: true });
      await api.stop();
      await gateway.stop();
      await pipeline.close();
    }
  },
);
