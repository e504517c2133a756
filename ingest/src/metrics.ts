import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createIngestMetrics(registry: Registry) {
  return {
    connections: new Gauge({ name: 'ingest_connections', help: 'Open WebSocket connections.', registers: [registry] }),
    records: new Counter({
      name: 'ingest_records_total',
      help: 'Records acknowledged by Kafka, by topic.',
      labelNames: ['topic'],
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'ingest_bytes_total',
      help: 'Record bytes acknowledged by Kafka, by topic.',
      labelNames: ['topic'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'ingest_refusals_total',
      help: 'Refused connections, requests and batches, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'ingest_produce_seconds',
      help: 'From a flush to Kafka until Kafka acknowledged it.',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pendingBytes: new Gauge({
      name: 'ingest_pending_bytes',
      help: 'Bytes of received batches not yet acknowledged by Kafka.',
      registers: [registry],
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
