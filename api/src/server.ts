import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Partitioners, type Producer } from 'kafkajs';
import pg from 'pg';
import type { Registry } from 'prom-client';
import {
  AvroSerde,
  createKafka,
  LocalEvidenceStore,
  SealedEvidenceStore,
  startOperationsServer,
  type Logger,
} from '@proctoflex/core';
import { readAlert } from './alerts/routes.ts';
import { createApp } from './app.ts';
import { AccessTokens, RefreshTokens } from './auth/tokens.ts';
import type { ApiConfig } from './config.ts';
import { publisherOf, type ApiDeps } from './context.ts';
import { runRetention } from './gdpr/data.ts';
import { LiveFeed } from './live/feed.ts';
import { readIntervention } from './sessions/interventions.ts';
import { IdentityChecker } from './sessions/identity.ts';
import { createUser } from './users/routes.ts';

/** One API process: PostgreSQL pool, Kafka producer, HTTP server. */
export class ApiServer {
  private readonly pool: pg.Pool;
  private readonly producer: Producer;
  private readonly serde: AvroSerde;
  private readonly live: LiveFeed;
  private readonly identity: IdentityChecker;
  private server: Server | undefined;
  private operationsServer: Server | undefined;
  /** Where /metrics is served, once started. */
  metricsPort = 0;
  private retentionTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ApiConfig,
    private readonly logger: Logger,
    private readonly registry: Registry,
  ) {
    this.pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
    // An idle client that loses its connection must not crash the process.
    this.pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client lost'));
    const kafka = createKafka('api', config.KAFKA_BROKERS, logger);
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    this.serde = new AvroSerde(config.SCHEMA_REGISTRY_URL);
    this.identity = new IdentityChecker(config);
    this.live = new LiveFeed(
      config.DATABASE_URL,
      kafka,
      this.serde,
      { risk: config.RISK_TOPIC, thumbnails: config.THUMBNAILS_TOPIC },
      config.API_THUMBNAIL_CACHE_MB * 1024 * 1024,
      {
        alert: (alertId) => readAlert(this.pool, alertId),
        intervention: (interventionId) => readIntervention(this.pool, interventionId),
      },
      logger,
    );
  }

  /** Connects, creates the bootstrap admin when there is none, listens; resolves with the port. */
  async start(): Promise<number> {
    await this.serde.registerTopic({ name: this.config.POLICIES_TOPIC, schema: 'ExamPolicy' });
    await this.serde.registerTopic({ name: this.config.REVIEWS_TOPIC, schema: 'AlertReview' });
    await this.serde.registerTopic({ name: this.config.SESSION_STATUS_TOPIC, schema: 'SessionStatus' });
    await this.producer.connect();
    await this.live.start();
    const deps: ApiDeps = {
      config: this.config,
      logger: this.logger,
      pool: this.pool,
      accessTokens: new AccessTokens(this.config.API_JWT_SECRET, this.config.API_ACCESS_TOKEN_TTL_S),
      refreshTokens: new RefreshTokens(this.pool, this.config.API_REFRESH_TOKEN_TTL_S),
      publish: publisherOf(this.producer, this.serde),
      live: this.live,
      identity: this.identity,
      evidence: new SealedEvidenceStore(new LocalEvidenceStore(this.config.EVIDENCE_DIR), this.config.EVIDENCE_KEY),
    };
    await this.bootstrapAdmin(deps);
    this.retentionTimer = setInterval(() => {
      runRetention(deps).then(
        (done) => this.logger.info(done, 'retention job done'),
        (error: unknown) => this.logger.error({ err: error }, 'retention job failed'),
      );
    }, this.config.API_RETENTION_INTERVAL_S * 1000);
    const ready = async () => {
      await this.pool.query('SELECT 1');
      return true;
    };
    const app = createApp(deps, this.registry, ready);
    const handle = app.callback();
    this.server = createServer((request, response) => void handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(this.config.API_PORT, '0.0.0.0', resolve));
    const { port } = this.server.address() as AddressInfo;
    const operations = await startOperationsServer(this.config.API_METRICS_PORT, this.registry, ready);
    this.operationsServer = operations.server;
    this.metricsPort = operations.port;
    this.logger.info({ port, metricsPort: this.metricsPort }, 'api started');
    return port;
  }

  async stop(): Promise<void> {
    clearInterval(this.retentionTimer);
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      // Live streams never end by themselves.
      this.server.closeAllConnections();
    });
    await new Promise<void>((resolve) =>
      this.operationsServer ? this.operationsServer.close(() => resolve()) : resolve(),
    );
    await this.live.stop();
    await this.identity.close();
    await this.producer.disconnect();
    await this.pool.end();
  }

  private async bootstrapAdmin(deps: ApiDeps): Promise<void> {
    const { API_BOOTSTRAP_ADMIN_EMAIL: email, API_BOOTSTRAP_ADMIN_PASSWORD: password } = this.config;
    const { rows } = await this.pool.query("SELECT 1 FROM users WHERE role = 'admin' AND NOT disabled LIMIT 1");
    if (rows.length > 0) return;
    if (email === '-' || password === '-') {
      this.logger.warn(
        'there is no admin: set API_BOOTSTRAP_ADMIN_EMAIL and API_BOOTSTRAP_ADMIN_PASSWORD to create one',
      );
      return;
    }
    await createUser(deps, { email, displayName: 'Administrator', role: 'admin', password }, null);
    this.logger.info({ email }, 'bootstrap admin created');
  }
}
