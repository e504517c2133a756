import { setTimeout } from 'node:timers/promises';
import { ProctoFlexError } from '../errors.ts';
import type { ExamPolicy, SessionEvent } from '../contracts/records.ts';
import { pipelineStage } from '../stage/definition.ts';
import { fixtureSpec } from './config.ts';

/** Records the copy fixture refuses: a poison one makes the handler throw, a rejected one it hands to reject(). */
export const poisonDetail = 'poison';
export const rejectedDetail = 'rejected';

/** Copies every record of its input to its output, unchanged: exactly-once is checked on it. */
export const copyStage = pipelineStage({
  name: 'fixture-copy',
  spec: fixtureSpec,
  create: (config) => ({
    inputs: [config.FIXTURE_INPUT_TOPIC],
    outputs: [{ topic: config.FIXTURE_OUTPUT_TOPIC, schema: config.FIXTURE_SCHEMA }],
    delivery: 'exactly-once',
    stateful: false,
    open: () =>
      Promise.resolve({
        processBatch: async (records, { reject }) => {
          if (config.FIXTURE_HANDLER_DELAY_MS > 0) await setTimeout(config.FIXTURE_HANDLER_DELAY_MS);
          return records.flatMap((record) => {
            const { key, value } = record;
            const { detail } = value as { detail?: unknown };
            if (detail === poisonDetail) throw new ProctoFlexError(`record of ${key} is poison`);
            if (detail === rejectedDetail) {
              reject(record, new ProctoFlexError(`record of ${key} is rejected`));
              return [];
            }
            return [{ topic: config.FIXTURE_OUTPUT_TOPIC, key, value }];
          });
        },
      }),
  }),
});

/** Counts the records of each session in its state: state recovery is checked on it. */
export const countStage = pipelineStage<typeof fixtureSpec, number>({
  name: 'fixture-count',
  spec: fixtureSpec,
  create: (config) => ({
    inputs: [config.FIXTURE_INPUT_TOPIC],
    outputs: [],
    delivery: 'exactly-once',
    stateful: true,
    open: () =>
      Promise.resolve({
        processBatch: (records, { state }) => {
          for (const { key } of records) state.set(key!, (state.get(key!) ?? 0) + 1);
          return Promise.resolve([]);
        },
      }),
  }),
});

/** Copies each record with `detail` set to the title of its exam's policy in a table: tables are checked on it. */
export const lookupStage = pipelineStage({
  name: 'fixture-lookup',
  spec: fixtureSpec,
  create: (config) => ({
    inputs: [config.FIXTURE_INPUT_TOPIC],
    tables: [config.FIXTURE_TABLE_TOPIC],
    outputs: [{ topic: config.FIXTURE_OUTPUT_TOPIC, schema: 'SessionEvent' }],
    delivery: 'exactly-once',
    stateful: false,
    open: () =>
      Promise.resolve({
        processBatch: (records, { tables }) =>
          Promise.resolve(
            records.map(({ key, value }) => {
              const event = value as SessionEvent;
              const policy = tables.get(config.FIXTURE_TABLE_TOPIC, event.examId) as ExamPolicy | undefined;
              return { topic: config.FIXTURE_OUTPUT_TOPIC, key, value: { ...event, detail: policy?.title ?? null } };
            }),
          ),
      }),
  }),
});
