import {
  loadConfig,
  parsers,
  servicesSpec,
  tokenSecretSpec,
  topicsSpec,
  variable,
  type ConfigOf,
} from '@proctoflex/core';

const mebibyte = 1024 * 1024;

export const ingestSpec = {
  ...servicesSpec,
  ...tokenSecretSpec,
  INGEST_PORT: variable(
    parsers.portOrAny,
    'Public port of the gateway: WebSocket, HTTP API, /healthz and /readyz (for load balancers and desktops).',
    '8080',
  ),
  INGEST_METRICS_PORT: variable(
    parsers.portOrAny,
    'Operations port: /metrics, /healthz, /readyz; keep it off the public network.',
    '9400',
  ),
  FRAMES_TOPIC: topicsSpec.FRAMES_TOPIC,
  AUDIO_TOPIC: topicsSpec.AUDIO_TOPIC,
  PROCESS_TOPIC: topicsSpec.PROCESS_TOPIC,
  SESSIONS_TOPIC: topicsSpec.SESSIONS_TOPIC,
  SESSION_STATUS_TOPIC: topicsSpec.SESSION_STATUS_TOPIC,
  INGEST_SESSION_RECORDS_PER_SECOND: variable(
    parsers.positiveInt,
    'Records per second a session may send on average (a desktop sends about 2).',
    '20',
  ),
  INGEST_SESSION_BURST_RECORDS: variable(
    parsers.positiveInt,
    'Records a session may send at once above its rate: room for the buffer uploaded after a reconnect.',
    '1000',
  ),
  INGEST_MAX_RECORD_AGE_MS: variable(
    parsers.positiveInt,
    'Oldest captureTime accepted, relative to now (buffered records uploaded after a reconnect are old).',
    String(24 * 3600 * 1000),
  ),
  INGEST_MAX_CLOCK_SKEW_MS: variable(
    parsers.positiveInt,
    'How far in the future a captureTime may be (client clocks drift).',
    String(5 * 60 * 1000),
  ),
  INGEST_MAX_PENDING_BYTES: variable(
    parsers.positiveInt,
    'Bytes of received batches not yet acknowledged by Kafka, over all clients; above it the gateway stops reading.',
    String(64 * mebibyte),
  ),
  INGEST_PRODUCE_LINGER_MS: variable(
    parsers.nonNegativeInt,
    'How long a batch waits for batches of other clients so that they go to Kafka in one request.',
    '5',
  ),
  INGEST_PRODUCE_TIMEOUT_MS: variable(
    parsers.positiveInt,
    'How long Kafka may take to acknowledge a produce before the batch is refused as unavailable (the client resends).',
    '10000',
  ),
  INGEST_SHUTDOWN_TIMEOUT_MS: variable(
    parsers.positiveInt,
    'After SIGTERM, how long batches in flight may take to be acknowledged before the process exits anyway.',
    '15000',
  ),
};

export type IngestConfig = ConfigOf<typeof ingestSpec>;
/** The gateway's configuration from the environment, with `overrides` (tests) on top. */
export const loadIngestConfig = (overrides: Record<string, string> = {}) =>
  loadConfig(ingestSpec, { ...process.env, ...overrides }, ['INGEST_']);

/** Size limits of the protocol (the contract with desktop clients). */
export const limits = {
  batchBytes: 8 * mebibyte,
};
