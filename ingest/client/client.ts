import avro from 'avsc';
import WebSocket from 'ws';
import { avroSchemaTexts, ProctoFlexError, type RecordKind } from '@proctoflex/core/client';

/** The message a client sends: one WebSocket message or one POST body. */
export const ingestBatchType = avro.Type.forSchema(JSON.parse(avroSchemaTexts.IngestBatch) as avro.Schema);

/** The writer schema (registry id and Avro text) the gateway names per record kind: `GET /v1/schemas`. */
export type WriterSchemas = Record<RecordKind, { id: number; schema: string }>;

/** What the gateway answered for one batch: the highest seq Kafka now holds from it. */
export interface Ack {
  readonly batchId: number;
  readonly seq: number;
}

/** What the gateway says when it refuses (HTTP body, or a `refused` stream message). */
interface RefusalBody {
  error: string;
  message: string;
  retriable: boolean;
  retryAfterMs?: number;
}

/** The gateway refused a batch or request, or the connection closed before its ack. */
export class IngestClientError extends ProctoFlexError {
  constructor(
    readonly reason: string,
    message: string,
    readonly status: number | null,
    /** Sending the same batch again later may succeed. */
    retriable: boolean,
    /** For rate_limited: when the session may send again. */
    readonly retryAfterMs?: number,
  ) {
    super(`${reason}: ${message}`, { retriable });
  }
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
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        reject(clientErrorOf(parseRefusal(body), response.statusCode ?? null));
      });
    });
    socket.once('error', reject);
  });
  return new IngestStream(socket);
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

  constructor(private readonly socket: WebSocket) {
    this.done = new Promise((resolve) => (this.settleDone = resolve));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as
        | { type: 'ack'; batchId: number; seq: number }
        | ({ type: 'refused'; batchId: number | null; status: number } & RefusalBody);
      const waiter = this.waiting.get(message.batchId);
      this.waiting.delete(message.batchId);
      if (message.type === 'ack') waiter?.resolve({ batchId: message.batchId, seq: message.seq });
      else waiter?.reject(clientErrorOf(message, message.status));
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      const error = new IngestClientError('connection_closed', `${code} ${reason.toString()}`, null, true);
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
      this.settleDone();
    });
    // Errors end in 'close', which fails whatever waits.
    socket.on('error', () => undefined);
  }

  send(batch: { batchId: number | null; bytes: Buffer }): Promise<Ack> {
    return new Promise((resolve, reject) => {
      if (this.closed || this.socket.readyState !== WebSocket.OPEN) {
        reject(new IngestClientError('connection_closed', 'the stream is closed', null, true));
        return;
      }
      this.waiting.set(batch.batchId, { resolve, reject });
      this.socket.send(batch.bytes);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }
}

function clientErrorOf(body: RefusalBody, status: number | null): IngestClientError {
  return new IngestClientError(body.error, body.message, status, body.retriable, body.retryAfterMs);
}

function parseRefusal(text: string): RefusalBody {
  try {
    return JSON.parse(text) as RefusalBody;
  } catch {
    return { error: 'http_error', message: text, retriable: false };
  }
}

async function errorOf(response: Response): Promise<IngestClientError> {
  return clientErrorOf(parseRefusal(await response.text()), response.status);
}
