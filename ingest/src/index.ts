export { loadIngestConfig, ingestSpec, limits, type IngestConfig } from './config.ts';
export { Gateway } from './gateway.ts';
export { IngestClient, IngestStream, IngestClientError, openStream, type Ack, type WriterSchemas } from './client.ts';
export { SessionRecords } from './records.ts';
