import { hostname } from 'node:os';
import { z } from 'zod';
import { parsers, topicsSpec, variable, type ConfigOf } from '../config.ts';

/** How the runner runs any stage; each stage adds its own variables in its config.ts. */
export const stageRunnerSpec = {
  STAGE_NAME: variable(
    z.string(),
    'Names the consumer group (proctoflex.<name>), the changelog (proctor.state.<name>.v1) and the metrics; ' +
      "empty: the stage's own name. Two deployments of one stage on a cluster (or two tests) take different names.",
    '',
  ),
  STAGE_INSTANCE_ID: variable(
    parsers.text,
    'Unique, stable name of this process among the instances of its stage; it names the transactional producer, ' +
      'so a restarted instance with the same id fences its previous incarnation at once.',
    `${hostname()}-${process.pid}`,
    '<hostname>-<pid>',
  ),
  STAGE_HTTP_PORT: variable(parsers.portOrAny, 'Port of /metrics, /healthz and /readyz (0: any free port).', '9400'),
  STAGE_BATCH_MAX_RECORDS: variable(parsers.positiveInt, 'Most records handed to the handler at once.', '500'),
  STAGE_BATCH_LINGER_MS: variable(
    parsers.nonNegativeInt,
    'How long a batch waits for records of other partitions before it is processed: one transaction per linger ' +
      'at most while records trickle in (each costs the broker a commit marker per partition it wrote).',
    '250',
  ),
  STAGE_FETCH_MAX_BYTES: variable(
    parsers.positiveInt,
    'Most bytes fetched from Kafka at once (per partition too); bounds the memory of records in flight.',
    String(10 * 1024 * 1024),
  ),
  DLQ_TOPIC: topicsSpec.DLQ_TOPIC,
  SESSION_STATUS_TOPIC: topicsSpec.SESSION_STATUS_TOPIC,
  STAGE_SESSION_TIMEOUT_MS: variable(
    parsers.positiveInt,
    'How long the group waits for a silent instance (crashed, paused) before giving its partitions to others.',
    '30000',
  ),
  STAGE_SHUTDOWN_TIMEOUT_MS: variable(
    parsers.positiveInt,
    'After SIGTERM, how long the batch in flight may take to commit before the process gives up (exit 1).',
    '30000',
  ),
};

export type StageRunnerConfig = ConfigOf<typeof stageRunnerSpec>;

/** A stage's batch size default (STAGE_BATCH_MAX_RECORDS), for a stage's own spec to re-declare. */
export const batchMaxRecordsDefault = (records: number) => ({
  ...stageRunnerSpec.STAGE_BATCH_MAX_RECORDS,
  defaultValue: String(records),
});
