import { z } from 'zod';
import { ConfigError } from './errors.ts';

/** One environment variable: how to parse it, what it means, its default (as text), whether it is a secret. */
export interface Variable<T> {
  readonly schema: z.ZodType<T>;
  readonly doc: string;
  readonly defaultValue?: string;
  /** How the reference (docs/configuration.md) shows a default that depends on the machine. */
  readonly shownDefault?: string;
  readonly secret?: boolean;
}

export type ConfigSpec = Record<string, Variable<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Variable<infer T> ? T : never };

export function variable<T>(
  schema: z.ZodType<T>,
  doc: string,
  defaultValue?: string,
  shownDefault?: string,
): Variable<T> {
  return { schema, doc, defaultValue, shownDefault };
}

/** A variable whose value never appears in an error message (keys, signing secrets). */
export function secretVariable<T>(schema: z.ZodType<T>, doc: string, defaultValue?: string): Variable<T> {
  return { schema, doc, defaultValue, secret: true };
}

/**
 * Parses every variable of `spec` from the environment at once. All problems are reported
 * together, each naming its variable, so one failed start shows everything to fix. Variables
 * that start with one of `ownPrefixes` (e.g. `FACE_`) but are not in the spec are refused: a typo must not
 * silently leave a default in force.
 */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
  ownPrefixes: readonly string[] = [],
): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const prefix of ownPrefixes) {
    const unknown = Object.keys(env).filter((name) => name.startsWith(prefix) && !(name in spec));
    for (const name of unknown) {
      const known = Object.keys(spec).filter((candidate) => candidate.startsWith(prefix));
      problems.push(`${name} is not a variable of this process; its ${prefix}* variables are ${known.join(', ')}`);
    }
  }
  for (const [name, { schema, defaultValue, secret }] of Object.entries(spec)) {
    const raw = env[name] === undefined || env[name] === '' ? defaultValue : env[name];
    if (raw === undefined) {
      problems.push(`${name} is required but not set`);
      continue;
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) config[name] = parsed.data;
    else
      problems.push(
        `${secret ? `${name} (value not shown)` : `${name}=${JSON.stringify(raw)}`} is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return config as ConfigOf<S>;
}

const hostPort = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;

export const parsers = {
  hostPortList: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .refine((list) => list.every((item) => hostPort.test(item)), 'expected a comma-separated list of host:port'),
  url: (protocols: string[]) =>
    z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`), error: `expected a ${protocols.join(' or ')} URL` }),
  positiveInt: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .positive('expected a number above 0'),
  nonNegativeInt: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(0, 'expected 0 or more'),
  port: z.coerce.number({ error: 'expected a port number' }).int().min(1).max(65535, 'expected a port number'),
  portOrAny: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535, 'expected a port number'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  text: z.string().min(1, 'must not be empty'),
};

/** Where the services every process talks to are. Each address may point at an external server. */
export const servicesSpec = {
  KAFKA_BROKERS: variable(
    parsers.hostPortList,
    'Kafka bootstrap brokers, comma-separated host:port.',
    '127.0.0.1:9092',
  ),
  SCHEMA_REGISTRY_URL: variable(
    parsers.url(['http', 'https']),
    'Base URL of the Confluent-compatible schema registry API.',
    'http://127.0.0.1:8081/apis/ccompat/v7',
  ),
  DATABASE_URL: variable(
    parsers.url(['postgres', 'postgresql']),
    'PostgreSQL connection URL (users, exams, sessions, alerts; the local registry stores its schemas here too).',
    'postgres://proctoflex:proctoflex@127.0.0.1:5432/proctoflex',
  ),
  CLICKHOUSE_URL: variable(
    parsers.url(['http', 'https']),
    'ClickHouse HTTP URL with user, password and database, e.g. http://default:secret@host:8123/proctoflex.',
    'http://default@127.0.0.1:8123/proctoflex',
  ),
  LOG_LEVEL: variable(parsers.logLevel, 'pino log level: fatal, error, warn, info, debug, trace or silent.', 'info'),
} satisfies ConfigSpec;

export type ServicesConfig = ConfigOf<typeof servicesSpec>;

/**
 * The pipeline's topics (infra/kafka/topics), one variable each, shared by every process that
 * reads or writes them; tests and side-by-side deployments point a process at their own.
 */
export const topicsSpec = {
  FRAMES_TOPIC: variable(parsers.text, 'Webcam and screen frames (FrameCaptured).', 'proctor.frames.v1'),
  AUDIO_TOPIC: variable(parsers.text, 'Microphone audio chunks (AudioChunk).', 'proctor.audio.v1'),
  PROCESS_TOPIC: variable(parsers.text, 'Process snapshots (ProcessSnapshot).', 'proctor.process.v1'),
  SESSIONS_TOPIC: variable(parsers.text, 'Session events (SessionEvent).', 'proctor.sessions.v1'),
  POLICIES_TOPIC: variable(parsers.text, 'Exam policies, compacted, by examId (ExamPolicy).', 'proctor.policies.v1'),
  SCORES_TOPIC: variable(parsers.text, 'Detector scores of the processors (DetectorScore).', 'proctor.scores.v1'),
  RISK_TOPIC: variable(parsers.text, 'Per-session risk over time (RiskUpdate).', 'proctor.risk.v1'),
  ALERTS_TOPIC: variable(parsers.text, 'Alerts opened, updated and closed (AlertEvent).', 'proctor.alerts.v1'),
  REVIEWS_TOPIC: variable(parsers.text, "Proctors' decisions on alerts (AlertReview).", 'proctor.reviews.v1'),
  DLQ_TOPIC: variable(
    parsers.text,
    'Records a stage could not process, with the reason (DeadLetter).',
    'proctor.dlq.v1',
  ),
  SESSION_STATUS_TOPIC: variable(
    parsers.text,
    'Sessions that may send no more: ended, revoked or erased (SessionStatus), followed as a table.',
    'proctor.session-status.v1',
  ),
  THUMBNAILS_TOPIC: variable(
    parsers.text,
    "Small copies of sessions' latest webcam frames for the live wall (Thumbnail), kept an hour.",
    'proctor.thumbnails.v1',
  ),
} satisfies ConfigSpec;
