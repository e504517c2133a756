import avro from 'avsc';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { decodeBounded } from './bounded-avro.ts';
import { DecodeError, LimitExceededError, ProctoFlexError, ServiceUnavailableError } from './errors.ts';
import { avroSchemaTexts } from './contracts/records.ts';
import type { TopicSpec } from './topics.ts';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro body. */
const magicByte = 0;
const headerLength = 5;
/** The broker's message.max.bytes (infra/kafka/server.properties): no record can be larger. */
export const maxRecordBytes = 10 * 1024 * 1024;

/** The text of schema `name` (schemas/avro/<name>.avsc), built in: no file is read. */
export function loadAvroSchema(name: string): string {
  const text = (avroSchemaTexts as Record<string, string>)[name];
  if (text === undefined) throw new Error(`no Avro schema ${name} in schemas/avro`);
  return text;
}

export function subjectOf(topic: string): string {
  return `${topic}-value`;
}

interface WriterSchema {
  readonly id: number;
  readonly type: avro.Type;
}

/**
 * Encodes records for a topic with the schema registered for it, and decodes any record whose
 * schema id the registry knows. Registry failures are retriable; bad bytes are DecodeErrors.
 */
export class AvroSerde {
  private readonly writers = new Map<string, WriterSchema>();
  private readonly readers = new Map<number, avro.Type>();
  private readonly registry: SchemaRegistry;

  constructor(private readonly registryUrl: string) {
    this.registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 2 } });
  }

  /** Registers the topic's schema under `<topic>-value` (BACKWARD compatible) and uses it for encode. */
  async registerTopic(topic: Pick<TopicSpec, 'name' | 'schema'>): Promise<number> {
    const schemaText = loadAvroSchema(topic.schema);
    await this.requireBackwardCompatibility(subjectOf(topic.name));
    const { id } = await this.callRegistry(`register ${subjectOf(topic.name)}`, () =>
      this.registry.register({ type: SchemaType.AVRO, schema: schemaText }, { subject: subjectOf(topic.name) }),
    );
    const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema);
    this.writers.set(topic.name, { id, type });
    this.readers.set(id, type);
    return id;
  }

  encode(topic: string, value: unknown): Buffer {
    const { id, type } = this.writerOf(topic);
    const invalidPaths: string[] = [];
    if (!type.isValid(value, { errorHook: (path) => invalidPaths.push(path.join('.') || '(root)') })) {
      throw new ProctoFlexError(`value for ${topic} does not match its schema at: ${invalidPaths.join(', ')}`);
    }
    const header = Buffer.alloc(headerLength);
    header.writeUInt8(magicByte, 0);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, type.toBuffer(value)]);
  }

  async decode(bytes: Buffer | null): Promise<unknown> {
    if (!bytes || bytes.length < headerLength) throw new DecodeError('value is shorter than the 5-byte wire header');
    if (bytes.length > maxRecordBytes)
      throw new DecodeError(`value of ${bytes.length} bytes exceeds ${maxRecordBytes}`);
    if (bytes.readUInt8(0) !== magicByte) throw new DecodeError(`unknown magic byte ${bytes.readUInt8(0)}`);
    const type = await this.readerOf(bytes.readInt32BE(1));
    try {
      return decodeBounded(type, bytes.subarray(headerLength));
    } catch (error) {
      const Refusal = error instanceof LimitExceededError ? LimitExceededError : DecodeError;
      throw new Refusal(`Avro body does not match schema ${bytes.readInt32BE(1)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /**
   * Sets the subject's compatibility before its first version exists, so that concurrent first
   * registrations (several instances of a stage starting together) all find it already set.
   */
  private async requireBackwardCompatibility(subject: string): Promise<void> {
    const url = `${this.registryUrl}/config/${encodeURIComponent(subject)}`;
    const headers = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    const current = await this.callRegistryHttp(`read config of ${subject}`, () => fetch(url, { headers }));
    if (current.ok && ((await current.json()) as { compatibilityLevel?: string }).compatibilityLevel === 'BACKWARD')
      return;
    const update = await this.callRegistryHttp(`set compatibility of ${subject}`, () =>
      fetch(url, { method: 'PUT', headers, body: JSON.stringify({ compatibility: 'BACKWARD' }) }),
    );
    // 409: another instance set it a moment ago.
    if (!update.ok && update.status !== 409) {
      throw new ProctoFlexError(
        `schema registry refused compatibility BACKWARD for ${subject}: ${await update.text()}`,
      );
    }
  }

  private async callRegistryHttp(what: string, call: () => Promise<Response>): Promise<Response> {
    try {
      const response = await call();
      if (response.status >= 500) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      return response;
    } catch (error) {
      throw new ServiceUnavailableError(`schema registry unavailable (${what}): ${(error as Error).message}`, error);
    }
  }

  private writerOf(topic: string): WriterSchema {
    const writer = this.writers.get(topic);
    if (!writer) throw new ProctoFlexError(`no schema registered for topic ${topic}; call registerTopic first`);
    return writer;
  }

  private async readerOf(schemaId: number): Promise<avro.Type> {
    const cached = this.readers.get(schemaId);
    if (cached) return cached;
    // The registry client parses Avro schemas with avsc, so what it returns is an avro.Type.
    const type = (await this.callRegistry(`fetch schema ${schemaId}`, () =>
      this.registry.getSchema(schemaId),
    )) as unknown as avro.Type;
    this.readers.set(schemaId, type);
    return type;
  }

  private async callRegistry<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) throw new DecodeError(`schema registry: ${what}: not found`, { cause: error });
      if (status !== undefined && status >= 400 && status < 500) {
        throw new ProctoFlexError(`schema registry refused to ${what}: ${(error as Error).message}`, { cause: error });
      }
      throw new ServiceUnavailableError(`schema registry unavailable (${what}): ${(error as Error).message}`, error);
    }
  }
}
