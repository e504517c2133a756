import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Partitioners } from 'kafkajs';
import { createKafka, ensureTopics, pipelineTopics, repoPath, topicConfigOf, type Logger } from '@proctoflex/core';
import {
  ensureCommand,
  fetchMavenOnce,
  isLocalHost,
  isPortOpen,
  ManagedProcess,
  progress,
  run,
  waitFor,
} from '../lib.ts';

const libDir = repoPath('infra/kafka/lib');
const pom = repoPath('infra/kafka/pom.xml');

/**
 * A single-node KRaft broker from the jars of infra/kafka/pom.xml, run with the system Java;
 * its storage is formatted once under SERVICES_DIR/kafka.
 */
export class KafkaService {
  private readonly host: string;
  private readonly port: number;
  private readonly directory: string;
  private readonly process: ManagedProcess;

  constructor(
    private readonly brokers: string[],
    servicesDir: string,
    private readonly logger: Logger,
  ) {
    const [host, port] = splitHostPort(brokers[0]!);
    this.host = host;
    this.port = port;
    this.directory = path.join(servicesDir, 'kafka');
    this.process = new ManagedProcess('kafka', this.directory);
  }

  /** Readiness probes fail on purpose until the broker serves: their errors are not news. */
  private get silentLogger(): Logger {
    return this.logger.child({}, { level: 'silent' });
  }

  get isLocal(): boolean {
    return this.brokers.length === 1 && isLocalHost(this.host);
  }

  /** The pid of the process infra/up started, or null (not running, or an external service). */
  pid(): number | null {
    return this.process.runningPid();
  }

  async up(): Promise<void> {
    if (!this.isLocal) return progress('kafka', `external cluster ${this.brokers.join(',')}, not started`);
    // Ours runs when its process lives, however slowly a busy machine lets it answer: wait for
    // it, never start a second one beside it.
    if (this.process.runningPid() !== null || (await isPortOpen(this.host, this.port))) {
      await this.waitUntilServing(180_000);
      return progress('kafka', `already running on ${this.host}:${this.port}`);
    }
    const started = Date.now();
    await ensureCommand('java', ['openjdk-17-jre-headless']);
    await fetchJars();
    const properties = this.writeServerProperties();
    if (!existsSync(path.join(this.directory, 'data', 'meta.properties'))) {
      // KRaft cluster ids are 16 random bytes in URL-safe base64 without padding; one may start with
      // '-', hence --cluster-id=ID rather than -t ID.
      const clusterId = randomBytes(16).toString('base64url');
      await run('java', [
        '-cp',
        `${libDir}/*`,
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${clusterId}`,
        '--config',
        properties,
        '--ignore-formatted',
      ]);
    }
    this.process.start('java', [
      '-Xms256m',
      '-Xmx768m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      '-cp',
      `${libDir}/*`,
      'kafka.Kafka',
      properties,
    ]);
    await this.waitUntilServing(120_000);
    progress('kafka', `started on ${this.host}:${this.port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  async createTopics(): Promise<void> {
    const admin = createKafka('proctoflex-infra', this.brokers, this.logger).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, pipelineTopics().map(topicConfigOf));
      progress('kafka', `${pipelineTopics().length} pipeline topics present`);
    } finally {
      await admin.disconnect();
    }
    await this.waitForCoordinators();
  }

  /**
   * A fresh broker creates its group and transaction coordinators' topics on first use, and
   * KafkaJS does not retry a TxnOffsetCommit that meets them still loading. One aborted
   * transaction that commits offsets proves both coordinators serve before anyone relies on them.
   */
  private waitForCoordinators(): Promise<void> {
    const kafka = createKafka('proctoflex-infra', this.brokers, this.silentLogger);
    return waitFor(
      'Kafka group and transaction coordinators',
      async () => {
        const producer = kafka.producer({
          transactionalId: 'proctoflex-infra-readiness',
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
        });
        await producer.connect();
        try {
          const transaction = await producer.transaction();
          await transaction.sendOffsets({
            consumerGroupId: 'proctoflex-infra-readiness',
            topics: [{ topic: pipelineTopics()[0]!.name, partitions: [{ partition: 0, offset: '0' }] }],
          });
          await transaction.abort();
          return true;
        } finally {
          await producer.disconnect();
        }
      },
      { timeoutMs: 60_000, logFile: this.process.logFile },
    );
  }

  down(): Promise<boolean> {
    return this.process.stop();
  }

  /** The port opens before the broker has a controller; a metadata round trip proves it serves. */
  private waitUntilServing(timeoutMs: number): Promise<void> {
    return waitFor(
      `Kafka on ${this.host}:${this.port}`,
      async () => {
        if (!(await isPortOpen(this.host, this.port))) return false;
        const admin = createKafka('proctoflex-infra', this.brokers, this.silentLogger).admin({ retry: { retries: 0 } });
        try {
          await admin.connect();
          const { brokers } = await admin.describeCluster();
          return brokers.length > 0;
        } finally {
          await admin.disconnect();
        }
      },
      { timeoutMs, logFile: this.process.logFile },
    );
  }

  private writeServerProperties(): string {
    mkdirSync(this.directory, { recursive: true });
    const values: Record<string, string> = {
      port: String(this.port),
      controllerPort: String(this.port + 1),
      dataDir: path.join(this.directory, 'data'),
    };
    const template = readFileSync(repoPath('infra/kafka/server.properties'), 'utf8');
    const target = path.join(this.directory, 'server.properties');
    writeFileSync(
      target,
      template.replace(/\$\{(\w+)\}/g, (_, key: string) => values[key]!),
    );
    return target;
  }
}

/** Copies the broker's jars from Maven Central once, and again when pom.xml changes. */
async function fetchJars(): Promise<void> {
  await fetchMavenOnce(pom, libDir, 'kafka', [
    'dependency:copy-dependencies',
    `-DoutputDirectory=${libDir}`,
    '-DincludeScope=runtime',
  ]);
}

function splitHostPort(address: string): [string, number] {
  const separator = address.lastIndexOf(':');
  return [address.slice(0, separator), Number(address.slice(separator + 1))];
}
