import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from './logger.ts';

const pinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A KafkaJS client whose logs go through the process's pino logger. */
export function createKafka(clientId: string, brokers: string[], logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...details } = log;
        kafkaLogger[pinoLevel[level] ?? 'info'](details, message);
      },
  });
}
