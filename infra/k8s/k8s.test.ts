import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { parseAllDocuments } from 'yaml';
import { evidenceSpec, pipelineTopics, repoPath, servicesSpec, stageRunnerSpec } from '@proctoflex/core';
import { apiSpec } from '@proctoflex/api';
import { ingestSpec } from '@proctoflex/ingest';
import { stagePorts } from '../local-pipeline.ts';

const base = repoPath('infra/k8s/base');

interface Container {
  image: string;
  args?: string[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: {
    replicas: number;
    template: {
      metadata: { annotations: Record<string, string> };
      spec: { terminationGracePeriodSeconds: number; containers: Container[] };
    };
  };
}

const files = readdirSync(base).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
const manifests = files.flatMap((file) =>
  parseAllDocuments(readFileSync(`${base}/${file}`, 'utf8')).map((document) => document.toJS() as Manifest),
);
const deployments = manifests.filter(({ kind }) => kind === 'Deployment');
// The stages npm start runs: all of them.
const stageNames = Object.keys(stagePorts);
const seconds = (variable: { defaultValue?: string }) => Number(variable.defaultValue) / 1000;

test('the kustomization lists every manifest, and every image is a target of the Dockerfile', () => {
  const kustomization = parseAllDocuments(readFileSync(`${base}/kustomization.yaml`, 'utf8'))[0]!.toJS() as {
    resources: string[];
    images: { name: string }[];
  };
  assert.deepEqual([...kustomization.resources].sort(), [...files].sort());
  const targets = [...readFileSync(repoPath('infra/docker/Dockerfile'), 'utf8').matchAll(/^FROM base AS (\S+)$/gm)].map(
    (match) => `proctoflex/${match[1]}`,
  );
  const images = new Set(deployments.map((deployment) => deployment.spec.template.spec.containers[0]!.image));
  assert.deepEqual([...images].sort(), [...targets].sort());
  assert.deepEqual(kustomization.images.map(({ name }) => name).sort(), [...targets].sort());
});

test('every stage runs as a Deployment of the stage image, with no more replicas than partitions', () => {
  const partitions = Math.min(
    ...pipelineTopics()
      .filter(({ cleanupPolicy, name }) => cleanupPolicy === 'delete' && !name.includes('dlq'))
      .map((topic) => topic.partitions),
  );
  for (const name of stageNames) {
    const deployment = deployments.find(({ metadata }) => metadata.name === name);
    assert.ok(deployment, `a Deployment for ${name}`);
    const container = deployment.spec.template.spec.containers[0]!;
    assert.deepEqual([container.image, container.args], ['proctoflex/stage', [name]]);
    assert.ok(
      deployment.spec.replicas <= partitions,
      `${name}: ${deployment.spec.replicas} replicas, ${partitions} partitions`,
    );
  }
  assert.equal(deployments.length, stageNames.length + 2, 'the stages, the gateway and the API');
});

test('probes, metrics ports and SIGTERM grace match what each process serves and needs', () => {
  const grace: Record<string, number> = {
    ingest: seconds(ingestSpec.INGEST_SHUTDOWN_TIMEOUT_MS),
    // The API's stopOnSignals timeout (api/src/bin/api.ts).
    api: 15,
  };
  for (const deployment of deployments) {
    const { name } = deployment.metadata;
    const { spec, metadata } = deployment.spec.template;
    const container = spec.containers[0]!;
    const port = container.ports.find((entry) => entry.name === 'http')!.containerPort;
    assert.deepEqual(
      [container.readinessProbe.httpGet, container.livenessProbe.httpGet],
      [
        { path: '/readyz', port: 'http' },
        { path: '/healthz', port: 'http' },
      ],
      name,
    );
    // The gateway and the API serve /metrics on an operations port apart from their public one.
    const scraped = container.ports.find((entry) => entry.name === 'metrics')?.containerPort ?? port;
    assert.equal(Number(metadata.annotations['prometheus.io/port']), scraped, `${name} is scraped on its metrics port`);
    const expectedPort = { ingest: 8080, api: 3000 }[name] ?? 9400;
    assert.equal(port, expectedPort, `${name} listens where its image says`);
    const drain = grace[name] ?? seconds(stageRunnerSpec.STAGE_SHUTDOWN_TIMEOUT_MS);
    assert.ok(spec.terminationGracePeriodSeconds > drain, `${name}: grace beyond its ${drain} s drain`);
  }
});

test('the ConfigMap sets only variables the processes know', () => {
  const known = new Set(
    Object.keys({ ...servicesSpec, ...evidenceSpec, ...apiSpec, ...ingestSpec, ...stageRunnerSpec }),
  );
  const config = manifests.find(({ kind }) => kind === 'ConfigMap')!;
  for (const variable of Object.keys(config.data!)) assert.ok(known.has(variable), variable);
});
