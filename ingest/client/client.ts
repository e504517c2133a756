import avro from 'avsc';
// Node's WebSocket (ws) or the browser's, by the importer's conditions: see package.json.
import { openSocket, type StreamSocket } from '#socket';
import { avroSchemaTexts, type RecordKind } from '@proctoflex/core/client';
import { clientErrorOf, errorOf, IngestClientError, type RefusalBody } from './refusal.ts';

export { IngestClientError };

/** The message a client sends: one WebSocket message or one POST body. */
export const ingestBatchType = avro.Type.forSchema(JSON.parse(avroSchemaTexts.IngestBatch) as avro.Schema);

/** The writer schema (registry id and Avro text) the gateway names per record kind: `GET /v1/schemas`. */
export type WriterSchemas = Record<RecordKind, { id: number; schema: string }>;

/** What the gateway answered for one batch: the highest seq Kafka now holds from it. */
export interface Ack {
  readonly batchId: number;
  readonly seq: number;
}

interface WriterSchema {
  readonly id: number;
  readonly type: avro.Type;
}

/**
 * The desktop side of the ingest protocol: encodes records with the schema ids the gateway
 * names (`GET /v1/schemas`), streams batches over a WebSocket and uploads over POST.
 */
export class IngestClient {
  private nextBatchId = 1;

  private readonly writers: Record<RecordKind, WriterSchema>;

  /** A client that encodes with `schemas` (fetched earlier: a desktop keeps them to encode offline). */
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    readonly schemas: WriterSchemas,
  ) {
    this.writers = Object.fromEntries(
      Object.entries(schemas).map(([kind, { id, schema }]) => [
        kind,
        { id, type: avro.Type.forSchema(JSON.parse(schema) as avro.Schema) },
      ]),
    ) as Record<RecordKind, WriterSchema>;
  }

  static async connect(baseUrl: string, token: string): Promise<IngestClient> {
    return new IngestClient(baseUrl, token, await IngestClient.fetchSchemas(baseUrl, token));
  }

  static async fetchSchemas(baseUrl: string, token: string): Promise<WriterSchemas> {
    const response = await fetch(`${baseUrl}/v1/schemas`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as WriterSchemas;
  }

  /** A record in the registry wire format, for the kind's topic. */
  encode(kind: RecordKind, record: unknown): Buffer {
    const { id, type } = this.writers[kind];
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, type.toBuffer(record)]);
  }

  /** An IngestBatch message with a fresh batch id, of records encoded here. */
  batch(records: readonly { kind: RecordKind; record: unknown }[]): { batchId: number; bytes: Buffer } {
    return this.batchOfEncoded(records.map(({ kind, record }) => ({ kind, value: this.encode(kind, record) })));
  }

  /** An IngestBatch message with a fresh batch id, of records already in the wire format. */
  batchOfEncoded(records: readonly { kind: RecordKind; value: Buffer }[]): { batchId: number; bytes: Buffer } {
    const batchId = this.nextBatchId++;
    return { batchId, bytes: ingestBatchType.toBuffer({ batchId, records }) };
  }

  /** Uploads one batch (buffered records after a reconnect); resolves once Kafka holds it. */
  async post(batch: { bytes: Buffer }): Promise<Ack> {
    const response = await fetch(`${this.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(batch.bytes),
    });
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as Ack;
  }

  /** Opens the live stream. */
  stream(): Promise<IngestStream> {
    return openStream(this.baseUrl, this.token);
  }
}

/** Opens a live stream with `token`; refused tokens reject with the gateway's reason. */
export async function openStream(baseUrl: string, token: string): Promise<IngestStream> {
  return new IngestStream(await openSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream`, token));
}

/** One WebSocket connection; `send` resolves with the batch's ack. */
export class IngestStream {
  /** By batch id; `null` waits for the refusal of a message that was no batch at all. */
  private readonly waiting = new Map<number | null, { resolve: (ack: Ack) => void; reject: (error: Error) => void }>();
  /** Why the connection closed, once it has. */
  closed: { code: number; reason: string } | null = null;
  /** Settles when the connection has closed, for whatever reason. */
  readonly done: Promise<void>;
  private settleDone!: () => void;

  constructor(private readonly socket: StreamSocket) {
    this.done = new Promise((resolve) => (this.settleDone = resolve));
    socket.onMessage((text) => {
      const message = JSON.parse(text) as
        | { type: 'ack'; batchId: number; seq: number }
        | ({ type: 'refused'; batchId: number | null; status: number } & RefusalBody);
      const waiter = this.waiting.get(message.batchId);
      this.waiting.delete(message.batchId);
      if (message.type === 'ack') waiter?.resolve({ batchId: message.batchId, seq: message.seq });
      else waiter?.reject(clientErrorOf(message, message.status));
    });
    socket.onClose((code, reason) => {
      this.closed = { code, reason };
      const error = new IngestClientError('connection_closed', `${code} ${reason}`, null, true);
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
      this.settleDone();
    });
  }

  send(batch: { batchId: number | null; bytes: Uint8Array }): Promise<Ack> {
    return new Promise((resolve, reject) => {
      if (this.closed || !this.socket.open) {
        reject(new IngestClientError('connection_closed', 'the stream is closed', null, true));
        return;
      }
      this.waiting.set(batch.batchId, { resolve, reject });
      this.socket.send(batch.bytes);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.close(1000);
    await this.done;
  }
}
