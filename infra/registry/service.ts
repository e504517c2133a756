import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { AvroSerde, pipelineTopics, repoPath } from '@proctoflex/core';
import { ensureCommand, fetchMavenOnce, isLocalHost, ManagedProcess, progress, waitFor } from '../lib.ts';

const distDir = repoPath('infra/registry/dist');
/** PostgreSQL schema holding the registry's own tables, beside the application's. */
const storageSchema = 'registry';

/**
 * Apicurio Registry serving the Confluent-compatible API (SCHEMA_REGISTRY_URL), storing
 * schemas in PostgreSQL so schema ids survive restarts.
 */
export class RegistryService {
  private readonly url: URL;
  private readonly process: ManagedProcess;

  constructor(
    private readonly registryUrl: string,
    private readonly databaseUrl: string,
    servicesDir: string,
  ) {
    this.url = new URL(registryUrl);
    this.process = new ManagedProcess('registry', path.join(servicesDir, 'registry'));
  }

  get isLocal(): boolean {
    return isLocalHost(this.url.hostname);
  }

  /** The pid of the process infra/up started, or null (not running, or an external service). */
  pid(): number | null {
    return this.process.runningPid();
  }

  async up(): Promise<void> {
    if (!this.isLocal) return progress('registry', `external registry ${this.url.origin}, not started`);
    // Ours runs when its process lives, however slowly a busy machine lets it answer: wait for
    // it, never start a second one beside it.
    if (this.process.runningPid() !== null || (await this.isServing())) {
      await waitFor(`schema registry on ${this.url.host}`, () => this.isServing(), {
        timeoutMs: 180_000,
        logFile: this.process.logFile,
      });
      return progress('registry', `already running on ${this.url.host}`);
    }
    const started = Date.now();
    await ensureCommand('java', ['openjdk-17-jre-headless']);
    await fetchMavenOnce(repoPath('infra/registry/pom.xml'), distDir, 'registry', [
      'dependency:unpack',
      `-DoutputDirectory=${distDir}`,
      // Unpack even when the plugin's marker in target/ says it already did: dist/ was just emptied.
      '-Dmdep.overWriteReleases=true',
    ]);
    await this.createStorageSchema();
    const database = new URL(this.databaseUrl);
    const runnerJar = readdirSync(distDir).find((file) => file.endsWith('-runner.jar'));
    if (!runnerJar) throw new Error(`no *-runner.jar in ${distDir}; delete the folder to fetch it again`);
    const javaArgs = [
      '-Xms128m',
      '-Xmx384m',
      // A pooled connection is checked before use: after PostgreSQL restarts, the dead ones are
      // replaced at once instead of failing requests (500s) until background validation finds them.
      '-Dquarkus.datasource.postgresql.jdbc.validate-on-borrow=true',
      '-jar',
      path.join(distDir, runnerJar),
    ];
    this.process.start('java', javaArgs, {
      env: {
        // eslint-disable-next-line no-restricted-properties -- the JVM inherits PATH and JAVA_HOME
        ...process.env,
        QUARKUS_HTTP_HOST: this.url.hostname,
        QUARKUS_HTTP_PORT: this.url.port || '80',
        APICURIO_STORAGE_KIND: 'sql',
        APICURIO_STORAGE_SQL_KIND: 'postgresql',
        APICURIO_DATASOURCE_URL: `jdbc:postgresql://${database.host}${database.pathname}?currentSchema=${storageSchema}`,
        APICURIO_DATASOURCE_USERNAME: decodeURIComponent(database.username),
        APICURIO_DATASOURCE_PASSWORD: decodeURIComponent(database.password),
      },
    });
    await waitFor(`schema registry on ${this.url.host}`, () => this.isServing(), {
      timeoutMs: 120_000,
      logFile: this.process.logFile,
    });
    progress('registry', `started on ${this.url.host} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Registers every pipeline topic's value schema under `<topic>-value` (BACKWARD). */
  async registerSchemas(): Promise<void> {
    const serde = new AvroSerde(this.registryUrl);
    for (const topic of pipelineTopics()) await serde.registerTopic(topic);
    progress('registry', `${pipelineTopics().length} value schemas registered`);
  }

  down(): Promise<boolean> {
    return this.process.stop();
  }

  private async isServing(): Promise<boolean> {
    const response = await fetch(`${this.registryUrl}/subjects`, { signal: AbortSignal.timeout(2000) }).catch(
      () => null,
    );
    return response?.ok ?? false;
  }

  private async createStorageSchema(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${storageSchema}`);
    } finally {
      await client.end();
    }
  }
}
