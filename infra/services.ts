import { createLogger } from '@proctoflex/core';
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
