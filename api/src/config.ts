import path from 'node:path';
import { z } from 'zod';
import {
  evidenceSpec,
  loadConfig,
  parsers,
  repoPath,
  secretVariable,
  servicesSpec,
  topicsSpec,
  variable,
  type ConfigOf,
  tokenSecretSpec,
} from '@proctoflex/core';
import { inferenceSpec } from '@proctoflex/inference';

export const apiSpec = {
  ...servicesSpec,
  ...tokenSecretSpec,
  ...evidenceSpec,
  // The face models that check a candidate's identity before an exam.
  ...inferenceSpec,
  POLICIES_TOPIC: topicsSpec.POLICIES_TOPIC,
  REVIEWS_TOPIC: topicsSpec.REVIEWS_TOPIC,
  RISK_TOPIC: topicsSpec.RISK_TOPIC,
  SESSION_STATUS_TOPIC: topicsSpec.SESSION_STATUS_TOPIC,
  THUMBNAILS_TOPIC: topicsSpec.THUMBNAILS_TOPIC,
  API_PORT: variable(parsers.portOrAny, 'Public port of the API, the dashboard, /healthz and /readyz.', '3000'),
  API_METRICS_PORT: variable(
    parsers.portOrAny,
    'Operations port: /metrics, /healthz, /readyz; keep it off the public network.',
    '9400',
  ),
  API_DASHBOARD_DIR: variable(
    parsers.text.transform((dir) => path.resolve(dir)),
    'The built dashboard (npm run build:dashboard), served at /.',
    repoPath('dashboard/dist'),
  ),
  API_CANDIDATE_DIR: variable(
    parsers.text.transform((dir) => path.resolve(dir)),
    'The built candidate renderer (vite build -c desktop/vite.config.ts; npm start builds it), whose candidate.html is the browser client served at /candidate/.',
    repoPath('desktop/dist/renderer'),
  ),
  API_JWT_SECRET: secretVariable(
    z.string().min(32, 'must be at least 32 characters (it signs HS256 access tokens)'),
    'Secret that signs access tokens (HS256). Required.',
  ),
  API_ACCESS_TOKEN_TTL_S: variable(parsers.positiveInt, 'Lifetime of an access token, in seconds.', '900'),
  API_REFRESH_TOKEN_TTL_S: variable(parsers.positiveInt, 'Lifetime of a refresh token, in seconds.', '604800'),
  API_INGEST_TOKEN_TTL_S: variable(
    parsers.positiveInt,
    'Lifetime of an ingest token handed to a started session, in seconds (the desktop refreshes it).',
    '900',
  ),
  API_INGEST_URL: variable(
    parsers.url(['http', 'https']),
    "The ingest gateway's base URL handed to desktops (they stream to /v1/stream and upload to /v1/events).",
    'http://127.0.0.1:8080',
  ),
  API_LOGIN_MAX_FAILURES: variable(parsers.positiveInt, 'Failed sign-ins in a row that lock an account.', '5'),
  API_LOGIN_LOCKOUT_S: variable(parsers.positiveInt, 'How long a locked account refuses sign-ins, in seconds.', '900'),
  API_AUTH_RATE_PER_MINUTE: variable(
    parsers.positiveInt,
    'Requests per minute one client address may make to the sign-in routes.',
    '30',
  ),
  API_RETENTION_INTERVAL_S: variable(
    parsers.positiveInt,
    'How often the retention job erases exams past their retention (and old ClickHouse days), in seconds.',
    '3600',
  ),
  API_THUMBNAIL_CACHE_MB: variable(
    parsers.positiveInt,
    "Memory for the live wall's webcam thumbnails (about 5 KiB per session), in MiB; the sessions updated longest ago are dropped first.",
    '64',
  ),
  API_ERASURE_SETTLE_MS: variable(
    parsers.nonNegativeInt,
    'How long an erasure waits between telling the pipeline (which then drops the sessions) and deleting, so that ' +
      'a batch a sink was already writing is deleted too.',
    '5000',
  ),
  API_BOOTSTRAP_ADMIN_EMAIL: variable(
    z.email('expected an email address').or(z.literal('-')),
    'Email of the admin created at start-up when there is no admin yet ("-": none).',
    '-',
  ),
  API_BOOTSTRAP_ADMIN_PASSWORD: secretVariable(
    z.string().min(12, 'must be at least 12 characters').or(z.literal('-')),
    'Password of that admin ("-" with no bootstrap admin).',
    '-',
  ),
};

export type ApiConfig = ConfigOf<typeof apiSpec>;
export const loadApiConfig = (env?: NodeJS.ProcessEnv) => loadConfig(apiSpec, env, ['API_']);
