import { createLogger } from '@proctoflex/core';
import { ensureCommand, progress } from './lib.ts';
import { ClickHouseService } from './clickhouse/service.ts';
import type { InfraConfig } from './config.ts';
import { KafkaService } from './kafka/service.ts';
import { PostgresService } from './postgres/service.ts';
import { RegistryService } from './registry/service.ts';

/** The four services every environment needs, each local (started by us) or external (only used). */
export function servicesOf(config: InfraConfig) {
  const logger = createLogger('infra', config.LOG_LEVEL);
  return {
    postgres: new PostgresService(config.DATABASE_URL, config.SERVICES_DIR),
    kafka: new KafkaService(config.KAFKA_BROKERS, config.SERVICES_DIR, logger),
    registry: new RegistryService(config.SCHEMA_REGISTRY_URL, config.DATABASE_URL, config.SERVICES_DIR),
    clickhouse: new ClickHouseService(config.CLICKHOUSE_URL, config.SERVICES_DIR),
  };
}

/**
 * Brings up what the pipeline needs and prepares it: PostgreSQL (then the registry, which stores
 * its schemas there), Kafka and ClickHouse side by side; then migrations, topics and schemas.
 * Every step is idempotent: a second run reuses running services and changes nothing.
 */
export async function upServices(config: InfraConfig): Promise<void> {
  const started = Date.now();
  const { postgres, kafka, registry, clickhouse } = servicesOf(config);
  await Promise.all([
    postgres
      .up()
      .then(() => postgres.migrate())
      .then(() => registry.up())
      .then(() => registry.registerSchemas()),
    kafka.up().then(() => kafka.createTopics()),
    clickhouse.up().then(() => clickhouse.migrate()),
    // kcat: the plain Kafka client operators (and the tests) use to look at topics.
    ensureCommand('kcat', ['kcat']),
    // ffmpeg: the evidence sink assembles its clips with it.
    ensureCommand('ffmpeg', ['ffmpeg']),
  ]);
  progress('infra', `ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
