// The server entry: everything a process of the pipeline uses. What a browser or desktop bundle
// may import is the client entry, re-exported here.
export * from './client.ts';
export * from './metrics.ts';
export { startOperationsServer } from './operations.ts';
export * from './kafka.ts';
export * from './topics.ts';
export * from './serde.ts';
export { contractLimits, decodeBounded } from './bounded-avro.ts';
export { jpegDimensions } from './jpeg.ts';
export { takesCapture } from './session-status.ts';
export { TableReader } from './stage/table.ts';
export * from './migrations.ts';
export * from './databases.ts';
export * from './paths.ts';
export * from './scores.ts';
export * from './contracts/ingest-token.ts';
export * from './stage/definition.ts';
export { isRetriable, retryWhile } from './retry.ts';
export * from './evidence.ts';
export { batchMaxRecordsDefault, stageRunnerSpec } from './stage/config.ts';
export { runStageProcess } from './stage/main.ts';
export { timed } from './stage/work.ts';
export { readPartitionSince } from './read-to-end.ts';
