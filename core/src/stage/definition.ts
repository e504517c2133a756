import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { ConfigOf, ConfigSpec, ServicesConfig } from '../config.ts';

/** A decoded input record, with where it came from. */
export interface InputRecord<Value = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The Kafka key: the sessionId (examId on proctor.policies.v1). */
  readonly key: string | null;
  /** The record's Kafka timestamp: when its producer (the gateway, a stage) sent it, epoch ms. */
  readonly timestamp: number;
  readonly value: Value;
}

/** A record the handler emits; it is encoded with the schema registered for `topic`. */
export interface OutputRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: unknown;
}

/** An output topic and the Avro schema (schemas/avro/<schema>.avsc) of its values. */
export interface OutputTopic {
  readonly topic: string;
  readonly schema: string;
}

/**
 * Per-session state of a stateful stage, as one batch sees it. Writes are staged: they reach
 * the changelog and become visible to later batches only when this batch's transaction commits;
 * if the batch fails they are discarded. Values must survive JSON.stringify/parse.
 */
export interface SessionState<State> {
  get(sessionId: string): State | undefined;
  set(sessionId: string, state: State): void;
  delete(sessionId: string): void;
}

/** The stage's tables (StageDefinition.tables): the latest decoded value per key, or undefined. */
export interface Tables {
  get(topic: string, key: string): unknown;
}

/** Float32Arrays (model state, descriptors) in a state value, which must survive JSON: base64 of their bytes. */
export const float32State = {
  encode: (values: Float32Array): string =>
    Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
  // Copied: a decoded Buffer may be a slice of a pool at an offset floats cannot start at.
  decode: (text: string): Float32Array => new Float32Array(new Uint8Array(Buffer.from(text, 'base64')).buffer),
};

export interface BatchContext<State> {
  readonly state: SessionState<State>;
  readonly tables: Tables;
  readonly logger: Logger;
  /**
   * Sends one record of the batch to the dead-letter topic with `error` as the reason, while the
   * rest of the batch goes on (a corrupt JPEG must not make its neighbours wait for a retry).
   */
  readonly reject: (record: InputRecord, error: Error) => void;
}

/** What a tick sees: every session this instance owns, at processing time `now`. */
export interface TickContext<State> {
  readonly state: SessionState<State>;
  /** The sessions whose partition of `topic` this instance has read to its end (not behind). */
  readonly sessionsCaughtUp: (topic: string) => string[];
  readonly tables: Tables;
  readonly logger: Logger;
  readonly now: number;
}

/** What a stage's code is: records in, records out. Nothing about offsets, transactions or retries. */
export interface StageHandler<State = never> {
  /**
   * Called once per batch with the records of every session in it, in offset order per
   * partition. Throwing an error with `retriable: true` retries the batch with backoff; any other
   * error makes the runner retry the records one by one and dead-letter those that still fail.
   */
  processBatch(records: InputRecord[], context: BatchContext<State>): Promise<OutputRecord[]>;
  /**
   * Called every StageDefinition.tickIntervalMs between batches, for what only the absence of
   * records shows (a silent client). Its outputs and state changes commit like a batch's.
   */
  tick?(context: TickContext<State>): Promise<OutputRecord[]>;
  /**
   * Called between batches with the sessions erased since the last call, on every instance, for
   * what the stage keeps besides its state (files, caches). The runner itself deletes their state
   * and hands none of their records to processBatch again.
   */
  erase?(sessionIds: readonly string[], logger: Logger): Promise<void>;
  /** Releases what open() acquired (models, database clients). */
  close?(): Promise<void>;
}

export interface StageContext {
  readonly services: ServicesConfig;
  readonly logger: Logger;
  readonly metrics: Registry;
}

export interface StageDefinition<State = never> {
  /** Names the consumer group, the changelog topic and the metrics. */
  readonly name: string;
  readonly inputs: readonly string[];
  /**
   * Topics every instance reads whole, as tables keyed like the topic (e.g. proctor.policies.v1
   * by examId), loaded before the first batch and followed while the stage runs.
   */
  readonly tables?: readonly string[];
  readonly outputs: readonly OutputTopic[];
  /**
   * exactly-once: outputs, state and input offsets commit in one Kafka transaction (processors).
   * at-least-once: outputs are produced, then offsets committed, both after the handler returned;
   * for sinks, whose handler writes elsewhere idempotently. Such a stage keeps no state.
   */
  readonly delivery: 'exactly-once' | 'at-least-once';
  /** How often (processing time) the handler's tick runs; exactly-once stages only. */
  readonly tickIntervalMs?: number;
  /** Keeps per-session state in the compacted changelog proctor.state.<name>.v1. */
  readonly stateful: boolean;
  /** Builds the handler once per process: loads models, opens clients, reads its config. */
  open(context: StageContext): Promise<StageHandler<State>>;
}

/**
 * A stage as a pipeline registers it: its name, its own variables, and how its definition is
 * built from them. The stage process validates these variables together with the runner's and
 * the services' (one loadConfig), then calls `create` once.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each stage has its own state type
export interface PipelineStage<Spec extends ConfigSpec = ConfigSpec, State = any> {
  readonly name: string;
  /**
   * The stage's variables (topics, models, tuning). It may re-declare a runner variable with its
   * own default: inference stages take smaller batches (STAGE_BATCH_MAX_RECORDS), since a batch
   * is one model call and its records wait for the whole of it.
   */
  readonly spec: Spec;
  /** Unknown variables with this prefix (e.g. FACE_) are refused: a typo must not leave a default in force. */
  readonly variablePrefix?: string;
  create(config: ConfigOf<Spec>): Omit<StageDefinition<State>, 'name'>;
}

/** Declares a pipeline stage, its config's type inferred from its spec. */
export const pipelineStage = <Spec extends ConfigSpec, State = never>(
  stage: PipelineStage<Spec, State>,
): PipelineStage<Spec, State> => stage;

export function changelogTopicOf(stageName: string): string {
  return `proctor.state.${stageName}.v1`;
}
