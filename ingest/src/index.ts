export { loadIngestConfig, ingestSpec, limits, tokenSecretSpec, type IngestConfig } from './config.ts';
export { Gateway } from './gateway.ts';
export { IngestClient, IngestStream, IngestClientError, openStream, type Ack, type WriterSchemas } from './client.ts';
export { mintIngestToken, verifyIngestToken, type IngestClaims } from './token.ts';
export { IngestRefusal, type RefusalReason } from './refusal.ts';
export { SessionRecords } from './records.ts';
