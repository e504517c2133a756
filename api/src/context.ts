import type Router from '@koa/router';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { AvroSerde, Logger, SealedEvidenceStore } from '@proctoflex/core';
import type { AccessTokens, Caller, RefreshTokens } from './auth/tokens.ts';
import type { ApiConfig } from './config.ts';
import type { LiveFeed } from './live/feed.ts';
import type { IdentityChecker } from './sessions/identity.ts';

/** What every route may use: one of each, made once per process in server.ts. */
export interface ApiDeps {
  readonly config: ApiConfig;
  readonly logger: Logger;
  readonly pool: pg.Pool;
  readonly accessTokens: AccessTokens;
  readonly refreshTokens: RefreshTokens;
  /** Publishes records to one topic of the pipeline (policies, reviews, statuses) with its registered schema, in one request. */
  readonly publish: (topic: string, records: readonly { key: string; value: unknown }[]) => Promise<void>;
  /** Alert changes and risk as they happen, and each session's latest risk. */
  readonly live: LiveFeed;
  /** Compares a selfie with a reference photo (the face models, loaded on first use). */
  readonly identity: IdentityChecker;
  /** The evidence store, sealing what it is given: alert evidence, reference photos, selfies. */
  readonly evidence: SealedEvidenceStore;
}

/** Koa state of a request: its id, and its caller once authenticated. */
export interface ApiState {
  requestId: string;
  caller?: Caller;
}

export type ApiRouter = Router<ApiState>;

/** A publisher on one idempotent producer; schemas are registered at start-up. */
export function publisherOf(producer: Producer, serde: AvroSerde): ApiDeps['publish'] {
  return async (topic, records) => {
    if (records.length === 0) return;
    await producer.send({
      topic,
      acks: -1,
      messages: records.map(({ key, value }) => ({ key, value: serde.encode(topic, value) })),
    });
  };
}

/** A database row as the API returns it (column aliases are the JSON names). */
export type Row = Record<string, unknown>;
