import type { KafkaMessage, Message } from 'kafkajs';
import type { DeadLetter } from '../contracts/records.ts';
import { DecodeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AvroSerde } from '../serde.ts';

/**
 * The dead letter of a record stage `stage` could not process: the record's bytes as they came,
 * where from, and why (the error's type and message), for the dead-letter topic.
 */
export function deadLetterOf(
  context: { readonly stage: string; readonly dlqTopic: string; readonly serde: AvroSerde; readonly logger: Logger },
  source: { readonly topic: string; readonly partition: number; readonly message: KafkaMessage },
  error: unknown,
): Message {
  const { topic, partition, message } = source;
  const cause = error instanceof Error ? error : new Error(String(error));
  const errorType = cause instanceof DecodeError ? 'DecodeError' : cause.name;
  context.logger.warn({ topic, partition, offset: message.offset, err: cause }, 'record dead-lettered');
  const deadLetter: DeadLetter = {
    stage: context.stage,
    sourceTopic: topic,
    sourcePartition: partition,
    sourceOffset: Number(message.offset),
    key: message.key,
    value: message.value,
    errorType,
    error: cause.message,
    failedTime: Date.now(),
  };
  return {
    key: message.key,
    value: context.serde.encode(context.dlqTopic, deadLetter),
    headers: { sourceTopic: topic, errorType },
  };
}
