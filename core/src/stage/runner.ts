import type { Server } from 'node:http';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { ServicesConfig } from '../config.ts';
import type { SessionStatus } from '../contracts/records.ts';
import { createKafka } from '../kafka.ts';
import type { Logger } from '../logger.ts';
import { startOperationsServer } from '../operations.ts';
import { isRetriable, retryWhile } from '../retry.ts';
import { AvroSerde } from '../serde.ts';
import { Committer, isMembershipError } from './commit.ts';
import { deadLetterOf } from './dead-letters.ts';
import type { StageRunnerConfig } from './config.ts';
import { changelogTopicOf, type OutputRecord, type StageDefinition, type StageHandler } from './definition.ts';
import { createStageMetrics, observeCommitted, type StageMetrics } from './metrics.ts';
import {
  addByTopic,
  BatchProcessor,
  yieldToEventLoop,
  type EncodedOutput,
  type Envelope,
  type Processed,
} from './process-batch.ts';
import { ensureChangelog, StagedState, StateStore } from './state.ts';
import { TableReader } from './table.ts';
import { timed } from './work.ts';

/** One partition's fetched batch, waiting to be processed and committed with others. */
interface PendingBatch {
  readonly topic: string;
  readonly partition: number;
  /** Offset to commit: one past the last record of the batch. */
  readonly nextOffset: string;
  readonly envelopes: Envelope[];
  readonly deadLetters: Message[];
  readonly done: { resolve: () => void; reject: (error: unknown) => void };
}

/** KafkaJS fetches all assigned partitions of a broker at once; this many are processed together. */
const maxPartitionsPerFlush = 64;

/**
 * Runs one stage: consumes its inputs in the stage's consumer group (here), hands batches to its
 * handler (BatchProcessor), and commits outputs, state changes, dead letters and input offsets
 * together (Committer).
 */
export class StageRunner<State = never> {
  readonly metrics: StageMetrics;
  private readonly kafka: Kafka;
  private readonly serde: AvroSerde;
  private readonly store = new StateStore<State>();
  private readonly restores = new Map<number, Promise<void>>();
  private readonly tables: Map<string, TableReader>;
  /** proctor.session-status.v1, one of `tables`: which sessions were erased. */
  private readonly statuses: TableReader;
  private readonly logger: Logger;
  private consumer?: Consumer;
  private readonly committer: Committer;
  private handler?: StageHandler<State>;
  private processor?: BatchProcessor<State>;
  private server?: Server;
  private pending: PendingBatch[] = [];
  private lingerTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private tickQueued = false;
  /** Sessions erased since the last erasure ran, for the handler's own clean-up. */
  private readonly erasedSinceSweep = new Set<string>();
  private erasureQueued = false;
  /** `topic:partition` of the partitions whose last fetched batch reached the end. */
  private readonly caughtUp = new Set<string>();
  private flushing = Promise.resolve();
  private heartbeat: () => Promise<void> = () => Promise.resolve();
  private joined = false;
  private restoring = 0;
  private stopping = false;
  private failure?: (error: unknown) => void;
  /** Rejects when the stage cannot go on (its producer was fenced, its consumer crashed for good). */
  readonly failed: Promise<never>;
  httpPort = 0;

  constructor(
    private readonly definition: StageDefinition<State>,
    private readonly config: ServicesConfig & StageRunnerConfig,
    logger: Logger,
    private readonly registry: Registry,
  ) {
    this.logger = logger.child({ stage: definition.name, instance: config.STAGE_INSTANCE_ID });
    this.metrics = createStageMetrics(registry);
    this.kafka = createKafka(`${definition.name}.${config.STAGE_INSTANCE_ID}`, config.KAFKA_BROKERS, this.logger);
    this.serde = new AvroSerde(config.SCHEMA_REGISTRY_URL);
    this.tables = new Map(
      [...(definition.tables ?? []), config.SESSION_STATUS_TOPIC].map((topic) => [
        topic,
        new TableReader(this.kafka, this.serde, topic, this.logger),
      ]),
    );
    this.statuses = this.tables.get(config.SESSION_STATUS_TOPIC)!;
    this.committer = new Committer(this.kafka, {
      groupId: this.groupId,
      transactionalId:
        definition.delivery === 'exactly-once' ? `${definition.name}.${config.STAGE_INSTANCE_ID}` : undefined,
      retry: (operation, run, shouldRetry) => this.retry(operation, run, shouldRetry),
      heartbeat: () => this.heartbeat(),
    });
    this.failed = new Promise<never>((_, reject) => (this.failure = reject));
    this.failed.catch(() => undefined);
  }

  get groupId(): string {
    return `proctoflex.${this.definition.name}`;
  }

  /** Consuming: in the group, state restored, not stopping. */
  get ready(): boolean {
    return this.joined && this.restoring === 0 && !this.stopping;
  }

  private readonly tableView = {
    get: (topic: string, key: string) => {
      const table = this.tables.get(topic);
      if (!table) throw new Error(`stage ${this.definition.name} reads no table ${topic}; list it in tables`);
      return table.get(key);
    },
  };

  private get heartbeatIntervalMs(): number {
    return Math.max(500, Math.floor(this.config.STAGE_SESSION_TIMEOUT_MS / 6));
  }

  private get exactlyOnce(): boolean {
    return this.definition.delivery === 'exactly-once';
  }

  async start(): Promise<void> {
    const { definition, config } = this;
    const { server, port } = await startOperationsServer(config.STAGE_HTTP_PORT, this.registry, () => this.ready);
    this.server = server;
    this.httpPort = port;
    if (definition.stateful && !this.exactlyOnce) {
      throw new Error(
        `stage ${definition.name}: state needs exactly-once delivery, its changelog commits with the offsets`,
      );
    }
    await this.retry('register schemas', async () => {
      for (const output of definition.outputs)
        await this.serde.registerTopic({ name: output.topic, schema: output.schema });
      await this.serde.registerTopic({ name: config.DLQ_TOPIC, schema: 'DeadLetter' });
    });
    if (definition.stateful)
      await this.retry('create changelog', () => ensureChangelog(this.kafka, definition.name, definition.inputs));
    await this.retry('load tables', () => Promise.all([...this.tables.values()].map((table) => table.load())));
    const handler = await definition.open({ services: config, logger: this.logger, metrics: this.registry });
    this.handler = handler;
    this.statuses.onUpdate((sessionId, status) => {
      if ((status as SessionStatus | undefined)?.status === 'ERASED') this.queueErasure(sessionId);
    });
    this.processor = new BatchProcessor<State>({
      handler,
      tables: this.tableView,
      logger: this.logger,
      metrics: this.metrics,
      store: this.store,
      chunkSize: config.STAGE_BATCH_MAX_RECORDS,
      encode: (outputs) => this.encode(outputs),
      deadLetter: (record, message, error) => this.deadLetter(record.topic, record.partition, message, error),
      retry: (operation, run) => this.retry(operation, run),
      heartbeat: () => this.heartbeat(),
    });

    await this.retry('connect producer', () => this.committer.connect());

    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      // How long the broker holds a fetch that finds nothing: records end it at once, so this
      // bounds only idle polling (at 100 ms the consumers of nine idle processes cost the broker
      // and themselves about 0.2 cores).
      maxWaitTimeInMs: Math.max(config.STAGE_BATCH_LINGER_MS, 1000),
      maxBytes: config.STAGE_FETCH_MAX_BYTES,
      maxBytesPerPartition: Math.min(config.STAGE_FETCH_MAX_BYTES, 2 * 1024 * 1024),
      sessionTimeout: config.STAGE_SESSION_TIMEOUT_MS,
      heartbeatInterval: this.heartbeatIntervalMs,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(payload.error);
    });
    // A fetch of nothing but transaction markers (or aborted records) never reaches eachBatch, so
    // nothing would commit past it and the group would stay one offset behind the end for good.
    // Earlier records of the partition are committed already: a partition's batches go one by one.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize > 0) return;
      const { topic, partition } = payload;
      const offset = String(Number(payload.lastOffset) + 1);
      this.flushing = this.flushing.then(() =>
        consumer
          .commitOffsets([{ topic, partition, offset }])
          .catch((error: unknown) =>
            this.logger.warn({ err: error, topic, partition }, 'offset past markers not committed'),
          ),
      );
    });
    await this.retry('connect consumer', () => consumer.connect());
    await consumer.subscribe({ topics: [...definition.inputs], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: maxPartitionsPerFlush,
      eachBatch: (payload) => this.onBatch(payload),
    });
    if (handler.tick && definition.tickIntervalMs) {
      if (!this.exactlyOnce) throw new Error(`stage ${definition.name}: a tick needs exactly-once delivery`);
      this.tickTimer = setInterval(() => {
        // One tick waits behind the batches at most: under load they must not pile up.
        if (!this.ready || this.tickQueued) return;
        this.tickQueued = true;
        this.flushing = this.flushing.then(() => {
          this.tickQueued = false;
          return this.keepingMembership(() => this.tick());
        });
      }, definition.tickIntervalMs);
    }
    this.logger.info({ inputs: definition.inputs, httpPort: port }, 'stage started');
  }

  /** Finishes the batch in flight, commits it, leaves the group and closes everything. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.tickTimer);
    this.scheduleFlush(0);
    await this.consumer?.disconnect();
    await this.flushing;
    await this.committer.disconnect();
    await Promise.all([...this.tables.values()].map((table) => table.stop()));
    await this.handler?.close?.();
    await new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
    this.logger.info('stage stopped');
  }

  private onAssignment(assignment: Record<string, number[]>): void {
    this.metrics.rebalances.inc();
    // Inputs are co-partitioned: partition n of every input holds the same sessions.
    const owned = new Set(Object.values(assignment).flat());
    this.metrics.assignedPartitions.set(Object.values(assignment).reduce((sum, list) => sum + list.length, 0));
    this.joined = true;
    // Until a batch says otherwise, a (re)assigned partition may be behind.
    this.caughtUp.clear();
    if (!this.definition.stateful) return;
    this.store.retainPartitions(owned);
    // An erasure whose commit the rebalance dropped is done again.
    this.queueErasure();
    for (const partition of this.restores.keys()) if (!owned.has(partition)) this.restores.delete(partition);
    const fresh = [...owned].filter((partition) => !this.restores.has(partition));
    if (fresh.length === 0) return;
    this.restoring += 1;
    const restore = this.retry('restore state', () =>
      this.store.restore(this.kafka, changelogTopicOf(this.definition.name), fresh),
    )
      .then((records) => {
        this.logger.info({ partitions: fresh, records }, 'state restored');
        // The changelog may hold sessions erased while no instance owned them.
        this.queueErasure();
      })
      .finally(() => (this.restoring -= 1));
    // Without its state a partition must not be processed: the stage stops instead.
    restore.catch((error: unknown) => this.fail(error));
    for (const partition of fresh) this.restores.set(partition, restore);
  }

  /**
   * Hands a fetched batch on in slices of at most STAGE_BATCH_MAX_RECORDS records, each
   * committed (with the slices of other partitions pending then) before the next is taken:
   * however much one fetch brings, a transaction holds at most one slice per partition.
   */
  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    this.heartbeat = () => payload.heartbeat();
    this.metrics.consumerLag.set({ topic: batch.topic, partition: batch.partition }, Number(batch.offsetLag()));
    const position = `${batch.topic}:${batch.partition}`;
    if (Number(batch.offsetLag()) === 0) this.caughtUp.add(position);
    else this.caughtUp.delete(position);
    await this.restores.get(batch.partition);
    const sliceSize = this.config.STAGE_BATCH_MAX_RECORDS;
    for (let start = 0; start === 0 || start < batch.messages.length; start += sliceSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const slice = batch.messages.slice(start, start + sliceSize);
      const last = start + sliceSize >= batch.messages.length;
      // The last slice also passes transaction markers and aborted records after its messages.
      const lastOffset = last ? batch.lastOffset() : slice.at(-1)!.offset;
      const { envelopes, deadLetters } = await timed('avro-decode', () =>
        this.decode(batch.topic, batch.partition, slice),
      );
      this.metrics.recordsIn.inc({ topic: batch.topic }, slice.length);
      await new Promise<void>((resolve, reject) => {
        this.pending.push({
          topic: batch.topic,
          partition: batch.partition,
          nextOffset: String(Number(lastOffset) + 1),
          envelopes,
          deadLetters,
          done: { resolve, reject },
        });
        const records = this.pending.reduce((sum, pending) => sum + pending.envelopes.length, 0);
        const full = records >= this.config.STAGE_BATCH_MAX_RECORDS;
        this.scheduleFlush(full || this.stopping ? 0 : this.config.STAGE_BATCH_LINGER_MS);
      });
      payload.resolveOffset(lastOffset);
    }
  }

  /** Decodes messages into input records; those that do not decode become dead letters. */
  private async decode(topic: string, partition: number, messages: KafkaMessage[]) {
    const envelopes: Envelope[] = [];
    const deadLetters: Message[] = [];
    for (const [index, message] of messages.entries()) {
      if (index % 1000 === 999) await yieldToEventLoop();
      try {
        const value = await this.retry('decode', () => this.serde.decode(message.value));
        envelopes.push({
          record: {
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            timestamp: Number(message.timestamp),
            value,
          },
          message,
        });
      } catch (error) {
        deadLetters.push(this.deadLetter(topic, partition, message, error));
      }
    }
    return { envelopes, deadLetters };
  }

  private scheduleFlush(delayMs: number): void {
    if (this.lingerTimer && delayMs > 0) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      const batches = this.pending;
      this.pending = [];
      if (batches.length === 0) return;
      this.flushing = this.flushing.then(() => this.keepingMembership(() => this.flush(batches)));
    }, delayMs);
  }

  /**
   * Runs `work` with heartbeats on a timer: KafkaJS heartbeats only between batches, so a handler
   * slower than the session timeout (a slow model, a loaded machine, poison records to isolate)
   * would otherwise be taken for a dead instance, its partitions re-read by another, for ever.
   */
  private async keepingMembership(work: () => Promise<void>): Promise<void> {
    const timer = setInterval(() => {
      this.heartbeat().catch((error: unknown) => this.logger.debug({ err: error }, 'heartbeat failed'));
    }, this.heartbeatIntervalMs);
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
  }

  private isErased(sessionId: string | null): boolean {
    if (sessionId === null) return false;
    return (this.statuses.get(sessionId) as SessionStatus | undefined)?.status === 'ERASED';
  }

  private async flush(batches: PendingBatch[]): Promise<void> {
    try {
      // Checked here, not when decoded: a batch may wait behind an erasure, and must not bring
      // back what it deleted. Nothing of an erased candidate is processed or kept again.
      const envelopes = batches
        .flatMap((batch) => batch.envelopes)
        .filter(({ record }) => {
          if (!this.isErased(record.key)) return true;
          this.metrics.erasedRecords.inc({ topic: record.topic });
          return false;
        });
      const processed = await this.processor!.process(envelopes);
      const deadLetters = [...batches.flatMap((batch) => batch.deadLetters), ...processed.deadLetters];
      const started = performance.now();
      await this.commit(batches, processed, deadLetters);
      this.metrics.commitSeconds.observe((performance.now() - started) / 1000);
      this.store.apply(processed.state.changes);
      observeCommitted(
        this.metrics,
        envelopes.map(({ record }) => record),
        processed.outputsByTopic,
        deadLetters,
      );
      for (const batch of batches) batch.done.resolve();
    } catch (error) {
      for (const batch of batches) batch.done.reject(error);
      // Lost partitions: KafkaJS rejoins, and whoever owns them now re-reads them from the last commit.
      if (isMembershipError(error)) this.logger.warn({ err: error }, 'batch dropped: the group rebalanced');
      else this.fail(error);
    }
  }

  /** Outputs in the wire format, with the schema registered for their topic. */
  private encode(outputs: OutputRecord[]): EncodedOutput[] {
    return outputs.map(({ topic, key, value }) => ({ topic, key, value: this.serde.encode(topic, value) }));
  }

  /** Runs the handler's tick and commits what it emitted and changed, like a batch without inputs. */
  private async tick(): Promise<void> {
    try {
      const partitionOf = this.store.partitions();
      const state = new StagedState<State>(this.store, partitionOf);
      const outputs = await this.handler!.tick!({
        state,
        tables: this.tableView,
        logger: this.logger,
        now: Date.now(),
        sessionsCaughtUp: (topic) =>
          [...partitionOf].filter(([, partition]) => this.caughtUp.has(`${topic}:${partition}`)).map(([id]) => id),
      });
      if (outputs.length === 0 && state.changes.size === 0) return;
      const outputsByTopic = addByTopic(new Map(), this.encode(outputs));
      await this.commit([], { outputsByTopic, state }, []);
      this.store.apply(state.changes);
      for (const [topic, messages] of outputsByTopic) this.metrics.recordsOut.inc({ topic }, messages.length);
    } catch (error) {
      if (isMembershipError(error)) this.logger.warn({ err: error }, 'tick dropped: the group rebalanced');
      else this.fail(error);
    }
  }

  /** Runs an erasure after the batch in flight (a batch still pending is filtered when flushed). */
  private queueErasure(sessionId?: string): void {
    if (sessionId !== undefined) this.erasedSinceSweep.add(sessionId);
    if (this.erasureQueued) return;
    this.erasureQueued = true;
    this.flushing = this.flushing.then(() => {
      this.erasureQueued = false;
      return this.keepingMembership(() => this.erase());
    });
  }

  /**
   * Hands the sessions erased since the last run to the handler (every instance hears of every
   * erasure, for what it keeps outside its state) and deletes the state of every erased session
   * this instance holds, committed like a tick's changes: the changelog keeps only tombstones.
   */
  private async erase(): Promise<void> {
    const erased = [...this.erasedSinceSweep];
    this.erasedSinceSweep.clear();
    try {
      if (erased.length > 0 && this.handler?.erase) {
        await this.retry('erase', () => this.handler!.erase!(erased, this.logger));
      }
      if (!this.definition.stateful) return;
      const partitionOf = this.store.partitions();
      const state = new StagedState<State>(this.store, partitionOf);
      for (const sessionId of partitionOf.keys()) if (this.isErased(sessionId)) state.delete(sessionId);
      if (state.changes.size === 0) return;
      await this.commit([], { outputsByTopic: new Map(), state }, []);
      this.store.apply(state.changes);
      this.logger.info({ sessions: state.changes.size }, 'state of erased sessions deleted');
    } catch (error) {
      // A deletion that did not commit stays in the store: the erasure queued on reassignment redoes it.
      if (isMembershipError(error)) this.logger.warn({ err: error }, 'erasure dropped: the group rebalanced');
      else this.fail(error);
    }
  }

  /** Commits what `batches` (none for a tick) produced, with their offsets. */
  private async commit(
    batches: PendingBatch[],
    processed: Pick<Processed<State>, 'outputsByTopic' | 'state'>,
    deadLetters: Message[],
  ): Promise<void> {
    const topicMessages = [...processed.outputsByTopic].map(([topic, messages]) => ({ topic, messages }));
    if (deadLetters.length > 0) topicMessages.push({ topic: this.config.DLQ_TOPIC, messages: deadLetters });
    const changelog = processed.state.changelogRecords();
    if (changelog.length > 0) {
      topicMessages.push({ topic: changelogTopicOf(this.definition.name), messages: changelog });
    }
    const offsets = batches.map(({ topic, partition, nextOffset }) => ({
      topic,
      partitions: [{ partition, offset: nextOffset }],
    }));
    await this.committer.commit(this.consumer!, topicMessages, offsets);
  }

  private deadLetter(topic: string, partition: number, message: KafkaMessage, error: unknown): Message {
    return deadLetterOf(
      { stage: this.definition.name, dlqTopic: this.config.DLQ_TOPIC, serde: this.serde, logger: this.logger },
      { topic, partition, message },
      error,
    );
  }

  /**
   * Retries with backoff while `shouldRetry` accepts the error: by default while it is retriable
   * (the broker, registry or a database is away), never for bad data.
   */
  private retry<T>(operation: string, run: () => Promise<T>, shouldRetry = isRetriable): Promise<T> {
    return retryWhile(run, shouldRetry, (error, attempt, delayMs) => {
      this.metrics.retries.inc({ operation });
      this.logger.warn({ err: error, attempt, delayMs }, `${operation} failed, retrying`);
      void this.heartbeat().catch(() => undefined);
    });
  }

  private fail(error: unknown): void {
    this.logger.fatal({ err: error }, 'stage cannot go on');
    this.failure?.(error);
  }
}
