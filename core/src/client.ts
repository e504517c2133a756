/**
 * What a browser or desktop bundle may import from core (`@proctoflex/core/client`): the
 * contracts, errors, configuration, logging and the server-sent-event reader. Nothing here
 * imports a server client (Kafka, PostgreSQL, ClickHouse) or reads a file; the server entry
 * (`@proctoflex/core`) re-exports all of it.
 */
export * from './errors.ts';
export * from './config.ts';
export * from './logger.ts';
export * from './main.ts';
export * from './sse.ts';
export * from './policies.ts';
export type * from './contracts/records.ts';
export { avroSchemaTexts } from './contracts/records.ts';
export * from './contracts/alert-notice.ts';
export * from './contracts/risk-rules.ts';
export * from './contracts/scored-inputs.ts';
export * from './contracts/frame-size.ts';
export * from './contracts/ingest-refusal.ts';
export * from './contracts/ingest-stream.ts';
export * from './contracts/applications.ts';
export * from './contracts/verification.ts';
