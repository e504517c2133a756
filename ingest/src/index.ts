export { loadIngestConfig, ingestSpec, limits, type IngestConfig } from './config.ts';
export { Gateway } from './gateway.ts';
export { SessionRecords } from './records.ts';
