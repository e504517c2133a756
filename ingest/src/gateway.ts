import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Router from '@koa/router';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Admin } from 'kafkajs';
import {
  AvroSerde,
  createKafka,
  isRetriable,
  retryWhile,
  startOperationsServer,
  TableReader,
  type Logger,
  type SessionStatus,
  IngestRefusal,
  bearerToken,
  bearerProtocolPrefix,
  ingestStreamProtocol,
  verifyIngestToken,
  type IngestClaims,
} from '@proctoflex/core';
import type { Registry } from 'prom-client';
import { limits, type IngestConfig } from './config.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { RecordProducer } from './produce.ts';
import { AcknowledgedSeqs } from './acknowledged.ts';
import { SessionRateLimiter } from './rate-limit.ts';
import { TopicSchemas } from './schemas.ts';
import { BatchValidator, type AcceptedBatch } from './validate.ts';

/** Batches one connection may have received but not yet had acknowledged; then it is read no further. */
const maxQueuedBatchesPerConnection = 8;
const kafkaProbeIntervalMs = 2000;

/** Bytes of batches received and not yet acknowledged, over all clients; readers wait above the limit. */
class PendingBytes {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly metrics: IngestMetrics,
  ) {}

  get full(): boolean {
    return this.used >= this.limit;
  }

  add(bytes: number): void {
    this.used += bytes;
    this.metrics.pendingBytes.set(this.used);
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.metrics.pendingBytes.set(this.used);
    while (!this.full && this.waiters.length > 0) this.waiters.shift()!();
  }

  /** Resolves once there is room again. */
  room(): Promise<void> {
    return this.full ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }
}

/**
 * The ingest gateway: WebSocket `/v1/stream` for the live stream, `POST /v1/events` for
 * uploads after a reconnect, `GET /v1/schemas` for the ids clients encode with, `/healthz` and
 * `/readyz`; `/metrics` on its operations port only. Both ingest paths share one validation and
 * produce path.
 */
export class Gateway {
  readonly metrics: IngestMetrics;
  private readonly kafka;
  private readonly admin: Admin;
  private readonly serde: AvroSerde;
  private readonly schemas: TopicSchemas;
  private readonly rateLimiter: SessionRateLimiter;
  private readonly acknowledged = new AcknowledgedSeqs();
  /** Sessions that may send no more (proctor.session-status.v1), followed as a table. */
  private readonly statuses: TableReader;
  private readonly validator: BatchValidator;
  private readonly producer: RecordProducer;
  private readonly pending: PendingBytes;
  private readonly sockets = new Set<{ socket: WebSocket; sessionId: string; idle: () => Promise<void> }>();
  private readonly webSockets = new WebSocketServer({
    noServer: true,
    maxPayload: limits.batchBytes,
    // A browser that offered its token as a subprotocol is answered with the stream's own.
    handleProtocols: (protocols) => (protocols.has(ingestStreamProtocol) ? ingestStreamProtocol : false),
  });
  private server: Server | null = null;
  private operationsServer: Server | null = null;
  /** Where /metrics is served, once started. */
  metricsPort = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  private kafkaReachable = false;
  private draining = false;

  constructor(
    private readonly config: IngestConfig,
    private readonly logger: Logger,
    private readonly registry: Registry,
  ) {
    this.metrics = createIngestMetrics(registry);
    this.kafka = createKafka('ingest-gateway', config.KAFKA_BROKERS, logger);
    this.admin = this.kafka.admin();
    this.serde = new AvroSerde(config.SCHEMA_REGISTRY_URL);
    this.schemas = new TopicSchemas(this.serde, config.SCHEMA_REGISTRY_URL, {
      FRAME: config.FRAMES_TOPIC,
      AUDIO: config.AUDIO_TOPIC,
      PROCESS: config.PROCESS_TOPIC,
      SESSION: config.SESSIONS_TOPIC,
    });
    this.rateLimiter = new SessionRateLimiter(
      config.INGEST_SESSION_RECORDS_PER_SECOND,
      config.INGEST_SESSION_BURST_RECORDS,
    );
    this.statuses = new TableReader(this.kafka, this.serde, config.SESSION_STATUS_TOPIC, logger);
    this.validator = new BatchValidator(config, this.schemas, this.serde, this.rateLimiter, this.acknowledged, (id) =>
      this.statusOf(id),
    );
    this.producer = new RecordProducer(
      this.kafka,
      {
        lingerMs: config.INGEST_PRODUCE_LINGER_MS,
        timeoutMs: config.INGEST_PRODUCE_TIMEOUT_MS,
        compressedTopics: new Set([config.PROCESS_TOPIC, config.SESSIONS_TOPIC]),
      },
      this.metrics,
      logger,
    );
    this.pending = new PendingBytes(config.INGEST_MAX_PENDING_BYTES, this.metrics);
  }

  /**
   * Registers the schemas, connects to Kafka and listens; resolves with the port. A registry or
   * broker that is away at start is waited for (with backoff), as the stages do.
   */
  async start(): Promise<number> {
    await retryWhile(
      async () => {
        await this.schemas.load();
        await this.admin.connect();
        await this.statuses.load();
      },
      isRetriable,
      (error, attempt, delayMs) => this.logger.warn({ err: error, attempt, delayMs }, 'start failed, retrying'),
    );
    await this.probeKafka();
    this.probeTimer = setInterval(() => {
      void this.probeKafka();
      this.rateLimiter.sweep();
      this.acknowledged.sweep();
      this.closeRevokedStreams();
    }, kafkaProbeIntervalMs);
    const app = this.createApp();
    const handleRequest = app.callback();
    this.server = createServer((request, response) => void handleRequest(request, response));
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.INGEST_PORT, resolve);
    });
    const port = (this.server.address() as AddressInfo).port;
    const operations = await startOperationsServer(this.config.INGEST_METRICS_PORT, this.registry, () => this.ready);
    this.operationsServer = operations.server;
    this.metricsPort = operations.port;
    this.logger.info({ port, metricsPort: this.metricsPort, topics: this.schemas.topics }, 'gateway started');
    return port;
  }

  get ready(): boolean {
    return this.server !== null && !this.draining && this.kafkaReachable;
  }

  /**
   * Graceful drain: refuse new clients, read no more, let every batch already read be
   * acknowledged (or refused), then close connections (1001) and the producer.
   */
  async stop(): Promise<void> {
    this.draining = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    for (const { socket } of this.sockets) socket.pause();
    await Promise.all([...this.sockets].map(({ idle }) => idle()));
    // Read again so that the close handshake completes; batches read now are left unacknowledged.
    for (const { socket } of this.sockets) {
      socket.resume();
      socket.close(1001, 'gateway restarting: reconnect and resend');
    }
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) =>
      this.operationsServer ? this.operationsServer.close(() => resolve()) : resolve(),
    );
    await this.producer.close();
    await this.admin.disconnect();
    await this.statuses.stop();
    this.logger.info('gateway stopped');
  }

  private createApp(): Koa {
    const app = new Koa();
    const router = new Router();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        if (!(error instanceof IngestRefusal)) throw error;
        this.metrics.refusals.inc({ reason: error.reason });
        ctx.status = error.status;
        ctx.body = error.toJSON();
        if (error.details.retryAfterMs !== undefined)
          ctx.set('retry-after', String(Math.ceil(error.details.retryAfterMs / 1000)));
      }
    });
    app.on('error', (error: Error) => this.logger.error({ err: error }, 'request failed'));
    app.use(allowBrowsers);
    router.get('/healthz', (ctx) => {
      ctx.body = 'ok\n';
    });
    router.get('/readyz', (ctx) => {
      ctx.status = this.ready ? 200 : 503;
      ctx.body = this.ready ? 'ready\n' : `not ready: ${this.draining ? 'draining' : 'Kafka unreachable'}\n`;
    });
    router.get('/v1/schemas', (ctx) => {
      this.authenticate(ctx.get('authorization'));
      ctx.body = this.schemas.writerSchemas();
    });
    router.post('/v1/events', async (ctx) => {
      const claims = this.authenticate(ctx.get('authorization'));
      // Read nothing while the gateway holds too much unacknowledged: the client's upload waits.
      await this.pending.room();
      let body: Buffer;
      try {
        body = await getRawBody(ctx.req, { limit: limits.batchBytes });
      } catch (error) {
        if ((error as { type?: string }).type === 'entity.too.large') {
          throw new IngestRefusal('batch_too_large', `a batch may hold at most ${limits.batchBytes} bytes`);
        }
        throw error;
      }
      this.pending.add(body.length);
      try {
        ctx.body = await this.persist(claims, await this.validator.validate(claims, body));
      } finally {
        this.pending.release(body.length);
      }
    });
    app.use(router.routes()).use(router.allowedMethods());
    return app;
  }

  /** The claims of a valid token whose session was not revoked or erased (an ended one may still upload). */
  private authenticate(authorization: string | undefined): IngestClaims {
    if (this.draining) throw new IngestRefusal('draining', 'the gateway is restarting: retry on another one');
    const claims = verifyIngestToken(this.config.INGEST_TOKEN_SECRET, bearerToken(authorization));
    const status = this.statusOf(claims.sessionId);
    if (status && status.status !== 'ENDED') {
      throw new IngestRefusal('session_revoked', `the session was ${status.status.toLowerCase()}: its token is void`);
    }
    return claims;
  }

  private statusOf(sessionId: string): SessionStatus | undefined {
    return this.statuses.get(sessionId) as SessionStatus | undefined;
  }

  /** Streams of sessions revoked or erased since they connected are closed (1008, policy violation). */
  private closeRevokedStreams(): void {
    for (const { socket, sessionId } of this.sockets) {
      const status = this.statusOf(sessionId);
      if (status && status.status !== 'ENDED' && socket.readyState === socket.OPEN) {
        this.metrics.refusals.inc({ reason: 'session_revoked' });
        socket.close(1008, `session ${status.status.toLowerCase()}`);
      }
    }
  }

  /** Sends the batch to Kafka; resolves once Kafka acknowledged every record of it. */
  private async persist(claims: IngestClaims, accepted: AcceptedBatch): Promise<{ batchId: number; seq: number }> {
    try {
      if (accepted.records.length > 0) await this.producer.send(accepted);
    } catch (error) {
      // Not ready until the next probe reaches Kafka again.
      if (error instanceof IngestRefusal && error.reason === 'kafka_unavailable') this.kafkaReachable = false;
      throw error;
    }
    this.acknowledged.acknowledge(claims.sessionId, accepted.highestSeq);
    return { batchId: accepted.batchId, seq: accepted.highestSeq };
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that resets the connection before the answer must not become an uncaught 'error'.
    socket.on('error', (error) => this.logger.debug({ err: error }, 'upgrade connection error'));
    const refuse = (status: number, body: object) => {
      const text = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Refused'}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    };
    // A request target the URL parser refuses (`http://[`) is the client's error, not the gateway's.
    if (pathOf(request.url) !== '/v1/stream') {
      return refuse(404, { error: 'not_found', message: 'the stream is at /v1/stream' });
    }
    let claims: IngestClaims;
    try {
      claims = this.authenticate(streamAuthorization(request));
    } catch (error) {
      if (!(error instanceof IngestRefusal)) throw error;
      this.metrics.refusals.inc({ reason: error.reason });
      return refuse(error.status, error.toJSON());
    }
    this.webSockets.handleUpgrade(request, socket, head, (webSocket) => this.serve(webSocket, claims));
  }

  /**
   * One client's stream: batches are handled one after another, so acks come in order and
   * what reaches Kafka keeps the client's order. When a batch is refused for a reason that may
   * pass (Kafka or the registry away, the rate), the connection is closed (1013, try again
   * later): nothing after it is acknowledged, and the client resends from its first
   * unacknowledged batch.
   */
  private serve(socket: WebSocket, claims: IngestClaims): void {
    const log = this.logger.child({ sessionId: claims.sessionId });
    let queued = 0;
    let tail = Promise.resolve();
    const connection = { socket, sessionId: claims.sessionId, idle: () => tail };
    this.sockets.add(connection);
    this.metrics.connections.inc();
    log.debug('client connected');
    const reply = (message: object) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const handle = async (data: Buffer, isBinary: boolean) => {
      let batchId: number | null = null;
      try {
        if (!isBinary) throw new IngestRefusal('batch_malformed', 'send binary IngestBatch messages');
        const accepted = await this.validator.validate(claims, data);
        batchId = accepted.batchId;
        reply({ type: 'ack', ...(await this.persist(claims, accepted)) });
      } catch (error) {
        if (!(error instanceof IngestRefusal)) {
          log.error({ err: error }, 'batch failed');
          socket.close(1011, 'internal error: reconnect and resend');
          return;
        }
        this.metrics.refusals.inc({ reason: error.reason });
        reply({ type: 'refused', batchId: error.details.batchId ?? batchId, status: error.status, ...error.toJSON() });
        // A refusal that may pass (Kafka or the registry away, the rate) ends the stream: no batch
        // after this one is acknowledged before the client resends it, so seq keeps growing.
        if (error.retriable) socket.close(1013, `${error.reason}: reconnect and resend`);
      }
    };
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (this.draining) return;
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      queued += 1;
      this.pending.add(bytes.length);
      if (queued >= maxQueuedBatchesPerConnection || this.pending.full) socket.pause();
      tail = tail.then(async () => {
        try {
          if (socket.readyState !== socket.OPEN) return;
          await handle(bytes, isBinary);
        } finally {
          queued -= 1;
          this.pending.release(bytes.length);
          if (!this.draining && queued < maxQueuedBatchesPerConnection)
            void this.pending.room().then(() => socket.resume());
        }
      });
    });
    socket.on('error', (error: Error & { code?: string }) => {
      // ws closes the connection (1009) when a message exceeds maxPayload.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.metrics.refusals.inc({ reason: 'batch_too_large' });
      log.debug({ err: error }, 'client connection error');
    });
    socket.on('close', () => {
      this.sockets.delete(connection);
      this.metrics.connections.dec();
    });
  }

  private async probeKafka(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.admin.fetchTopicMetadata({ topics: [this.config.FRAMES_TOPIC] }),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), kafkaProbeIntervalMs))),
      ]);
      this.kafkaReachable = true;
    } catch (error) {
      if (this.kafkaReachable) this.logger.warn({ err: error }, 'Kafka unreachable');
      this.kafkaReachable = false;
    } finally {
      clearTimeout(timer);
    }
  }
}

function pathOf(requestTarget: string | undefined): string | null {
  try {
    return new URL(requestTarget ?? '/', 'http://gateway').pathname;
  } catch {
    return null;
  }
}

/**
 * The browser candidate client is served by the API, another origin: it may read the gateway's
 * answers. Any origin may, as nothing here rests on cookies or other ambient credentials: every
 * route but the probes needs a bearer token, which a page has only if the candidate gave it one.
 */
const allowBrowsers: Koa.Middleware = async (ctx, next) => {
  ctx.set({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'retry-after' });
  if (ctx.method !== 'OPTIONS') {
    await next();
    return;
  }
  ctx.set({
    'Access-Control-Allow-Methods': 'GET, POST',
    'Access-Control-Allow-Headers': 'authorization, content-type',
    'Access-Control-Max-Age': '600',
  });
  ctx.status = 204;
};

/**
 * The stream's credentials as an Authorization header: the header itself, or the token a browser
 * offered as a `bearer.<token>` subprotocol beside the stream's own.
 */
function streamAuthorization(request: IncomingMessage): string | undefined {
  if (request.headers.authorization !== undefined) return request.headers.authorization;
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim());
  const token = offered.find((protocol) => protocol.startsWith(bearerProtocolPrefix));
  return token && offered.includes(ingestStreamProtocol)
    ? `Bearer ${token.slice(bearerProtocolPrefix.length)}`
    : undefined;
}
