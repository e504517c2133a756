import type { KafkaMessage, Message } from 'kafkajs';
import type { Logger } from '../logger.ts';
import type { InputRecord, OutputRecord, StageHandler, Tables } from './definition.ts';
import type { StageMetrics } from './metrics.ts';
import { StagedState, type StateStore } from './state.ts';

/** An input record with the bytes it came as, for the dead-letter topic. */
export interface Envelope {
  readonly record: InputRecord;
  readonly message: KafkaMessage;
}

/** What a batch produced, to be committed with its offsets. */
export interface Processed<State> {
  readonly outputsByTopic: Map<string, Message[]>;
  readonly deadLetters: Message[];
  readonly state: StagedState<State>;
}

/** An output in the wire format. */
export interface EncodedOutput {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer;
}

/** Lets timers and sockets run (heartbeats above all) between long stretches of work. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Appends each output, in the wire format, to its topic's messages in `byTopic`; returns `byTopic`. */
export function addByTopic(byTopic: Map<string, Message[]>, outputs: EncodedOutput[]): Map<string, Message[]> {
  for (const { topic, key, value } of outputs) {
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic)!.push({ key, value });
  }
  return byTopic;
}

/**
 * Runs the stage's handler over a batch's records in chunks of at most `chunkSize`. A chunk whose
 * error is retriable is retried with backoff; any other failure splits it in halves until the
 * failing records are alone, and those become dead letters while the rest goes on.
 */
export class BatchProcessor<State> {
  constructor(
    private readonly deps: {
      readonly handler: StageHandler<State>;
      readonly tables: Tables;
      readonly logger: Logger;
      readonly metrics: StageMetrics;
      readonly store: StateStore<State>;
      readonly chunkSize: number;
      /** Outputs in the wire format, with the schema registered for their topic. */
      readonly encode: (outputs: OutputRecord[]) => EncodedOutput[];
      readonly deadLetter: (record: InputRecord, message: KafkaMessage, error: unknown) => Message;
      /** Retries `run` with backoff while its error is retriable. */
      readonly retry: <T>(operation: string, run: () => Promise<T>) => Promise<T>;
      /** Throws when this instance is no longer a member of its group. */
      readonly heartbeat: () => Promise<void>;
    },
  ) {}

  async process(envelopes: Envelope[]): Promise<Processed<State>> {
    const state = new StagedState<State>(this.deps.store, new Map());
    const outputsByTopic = new Map<string, Message[]>();
    const deadLetters: Message[] = [];
    const processChunk = async (chunk: Envelope[]): Promise<void> => {
      try {
        const { encoded, rejected, chunkState } = await this.deps.retry('process batch', () =>
          this.processChunk(chunk, state),
        );
        chunkState.mergeInto(state);
        for (const { envelope, error } of rejected)
          deadLetters.push(this.deps.deadLetter(envelope.record, envelope.message, error));
        addByTopic(outputsByTopic, encoded);
      } catch (error) {
        if (chunk.length === 1) {
          deadLetters.push(this.deps.deadLetter(chunk[0]!.record, chunk[0]!.message, error));
          return;
        }
        const middle = Math.ceil(chunk.length / 2);
        // Timers (the heartbeat above all) run between the halves, even for a handler that never awaits.
        await yieldToEventLoop();
        await processChunk(chunk.slice(0, middle));
        await processChunk(chunk.slice(middle));
      }
    };
    for (let start = 0; start < envelopes.length; start += this.deps.chunkSize) {
      await processChunk(envelopes.slice(start, start + this.deps.chunkSize));
      // A long flush must not look like a dead instance; a lost membership stops it here.
      await yieldToEventLoop();
      await this.deps.heartbeat();
    }
    this.deps.metrics.batchRecords.observe(envelopes.length);
    return { outputsByTopic, deadLetters, state };
  }

  /** One call of the handler; its state changes stay staged until the chunk as a whole succeeded. */
  private async processChunk(chunk: Envelope[], state: StagedState<State>) {
    const { handler, tables, logger, metrics } = this.deps;
    const partitionOf = new Map(chunk.map(({ record }) => [record.key ?? '', record.partition]));
    const chunkState = new StagedState<State>(state, partitionOf);
    const envelopeOf = new Map(chunk.map((envelope) => [envelope.record, envelope]));
    const started = performance.now();
    const rejected: { envelope: Envelope; error: Error }[] = [];
    const reject = (record: InputRecord, error: Error) => {
      const envelope = envelopeOf.get(record);
      if (!envelope) throw new Error('reject() takes a record of the batch being processed');
      rejected.push({ envelope, error });
    };
    const outputs = await handler.processBatch(
      chunk.map(({ record }) => record),
      { state: chunkState, tables, logger, reject },
    );
    metrics.handlerSeconds.observe((performance.now() - started) / 1000);
    return { encoded: this.deps.encode(outputs), rejected, chunkState };
  }
}
