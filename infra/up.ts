import { runMain } from '@proctoflex/core';
import { loadInfraConfig } from './config.ts';
import { ensureCommand, progress } from './lib.ts';
import { servicesOf } from './services.ts';

/**
 * Brings up what the pipeline needs and prepares it: PostgreSQL (then the registry, which stores
 * its schemas there), Kafka and ClickHouse side by side; then migrations, topics and schemas.
 * Every step is idempotent: a second run reuses running services and changes nothing.
 */
runMain('infra/up', async () => {
  const started = Date.now();
  const { postgres, kafka, registry, clickhouse } = servicesOf(loadInfraConfig());
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
});
