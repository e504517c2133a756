import avro from 'avsc';
import {
  avroSchemaTexts,
  decodeBounded,
  DecodeError,
  frameSizeProblem,
  jpegDimensions,
  LimitExceededError,
  ServiceUnavailableError,
  type AvroSerde,
  type FrameCaptured,
  type IngestBatch,
  type RecordKind,
  type SessionStatus,
  takesCapture,
  IngestRefusal,
  type RefusalReason,
  type IngestClaims,
} from '@proctoflex/core';
import { limits, type IngestConfig } from './config.ts';
import type { AcknowledgedSeqs } from './acknowledged.ts';
import type { SessionRateLimiter } from './rate-limit.ts';
import type { TopicSchemas } from './schemas.ts';

/** The envelope clients send: one WebSocket message or one POST body (IngestBatch). */
const ingestBatchType = avro.Type.forSchema(JSON.parse(avroSchemaTexts.IngestBatch) as avro.Schema);

/** A batch that passed every check, ready for Kafka in this order; resent records already acknowledged are left out. */
export interface AcceptedBatch {
  readonly batchId: number;
  readonly records: { topic: string; kind: RecordKind; key: string; value: Buffer }[];
  readonly highestSeq: number;
  readonly bytes: number;
}

/** The fields every ingest record shares (FrameCaptured, AudioChunk, ProcessSnapshot, SessionEvent). */
type SessionRecord = Pick<FrameCaptured, 'sessionId' | 'examId' | 'candidateId' | 'seq' | 'captureTime'>;

/**
 * Checks a client's batch all or nothing, so that what reaches Kafka is a prefix of what the
 * client sent and a refused batch can be fixed and sent again as a whole.
 */
export class BatchValidator {
  constructor(
    private readonly config: Pick<
      IngestConfig,
      'INGEST_MAX_RECORD_AGE_MS' | 'INGEST_MAX_CLOCK_SKEW_MS' | 'INGEST_SESSION_BURST_RECORDS'
    >,
    private readonly schemas: TopicSchemas,
    private readonly serde: AvroSerde,
    private readonly rateLimiter: SessionRateLimiter,
    private readonly acknowledged: AcknowledgedSeqs,
    private readonly statusOf: (sessionId: string) => SessionStatus | undefined,
  ) {}

  async validate(claims: IngestClaims, body: Buffer): Promise<AcceptedBatch> {
    if (body.length > limits.batchBytes) {
      throw new IngestRefusal(
        'batch_too_large',
        `a batch may hold at most ${limits.batchBytes} bytes, not ${body.length}`,
      );
    }
    let batch: IngestBatch;
    try {
      batch = decodeBounded(ingestBatchType, body) as IngestBatch;
    } catch (error) {
      if (error instanceof LimitExceededError) throw new IngestRefusal('batch_too_large', error.message);
      throw new IngestRefusal('batch_malformed', `not an IngestBatch (Avro): ${(error as Error).message}`);
    }
    try {
      return await this.check(claims, batch, body.length);
    } catch (error) {
      // Every refusal after parsing names the batch, so that the client knows which one failed.
      if (error instanceof IngestRefusal) {
        throw new IngestRefusal(error.reason, error.message, { ...error.details, batchId: batch.batchId });
      }
      throw error;
    }
  }

  private async check(claims: IngestClaims, batch: IngestBatch, bytes: number): Promise<AcceptedBatch> {
    if (batch.records.length === 0) throw new IngestRefusal('batch_malformed', 'the batch holds no records');
    if (batch.records.length > this.config.INGEST_SESSION_BURST_RECORDS) {
      throw new IngestRefusal(
        'batch_too_large',
        `a batch may hold at most ${this.config.INGEST_SESSION_BURST_RECORDS} records, not ${batch.records.length}`,
      );
    }
    const now = Date.now();
    const acknowledgedSeq = this.acknowledged.highest(claims.sessionId);
    const status = this.statusOf(claims.sessionId);
    let previousSeq = -1;
    const records: AcceptedBatch['records'] = [];
    for (const [index, { kind, value }] of batch.records.entries()) {
      const record = await this.decode(kind, value, index);
      if (
        record.sessionId !== claims.sessionId ||
        record.examId !== claims.examId ||
        record.candidateId !== claims.candidateId
      ) {
        throw recordRefusal(
          index,
          kind,
          'session_mismatch',
          `belongs to session ${record.sessionId}, the token to ${claims.sessionId}`,
        );
      }
      if (!takesCapture(status, record.captureTime)) {
        throw status!.status === 'ENDED'
          ? recordRefusal(
              index,
              kind,
              'session_ended',
              `captured after the session ended at ${new Date(status!.endedTime).toISOString()}`,
            )
          : recordRefusal(
              index,
              kind,
              'session_revoked',
              `the session was ${status!.status.toLowerCase()}: it takes no more records`,
            );
      }
      if (kind === 'FRAME') {
        const problem = frameProblem(record as FrameCaptured);
        if (problem) throw recordRefusal(index, kind, 'frame_invalid', problem);
      }
      if (
        record.captureTime < now - this.config.INGEST_MAX_RECORD_AGE_MS ||
        record.captureTime > now + this.config.INGEST_MAX_CLOCK_SKEW_MS
      ) {
        throw recordRefusal(
          index,
          kind,
          'timestamp_out_of_range',
          `captureTime ${new Date(record.captureTime).toISOString()} is too old or in the future`,
        );
      }
      if (record.seq <= previousSeq) {
        throw recordRefusal(
          index,
          kind,
          'seq_not_increasing',
          `seq ${record.seq} follows ${previousSeq}; seq must grow within a session`,
        );
      }
      previousSeq = record.seq;
      if (record.seq > acknowledgedSeq)
        records.push({ topic: this.schemas.topics[kind], kind, key: record.sessionId, value });
    }
    const allowance = this.rateLimiter.take(claims.sessionId, records.length);
    if (!allowance.allowed) {
      throw new IngestRefusal('rate_limited', `session ${claims.sessionId} sends faster than allowed`, {
        retryAfterMs: allowance.retryAfterMs,
      });
    }
    return { batchId: batch.batchId, records, highestSeq: previousSeq, bytes };
  }

  private async decode(kind: RecordKind, value: Buffer, index: number): Promise<SessionRecord> {
    if (value.length < 5 || value.readUInt8(0) !== 0) {
      throw recordRefusal(
        index,
        kind,
        'record_malformed',
        'not in the registry wire format (magic byte 0, 4-byte schema id, Avro body)',
      );
    }
    const schemaId = value.readInt32BE(1);
    try {
      if (!(await this.schemas.isAllowed(kind, schemaId))) {
        throw recordRefusal(
          index,
          kind,
          'schema_unknown',
          `schema id ${schemaId} is not registered for ${this.schemas.topics[kind]}`,
        );
      }
      return (await this.serde.decode(value)) as SessionRecord;
    } catch (error) {
      if (error instanceof LimitExceededError) throw recordRefusal(index, kind, 'record_too_large', error.message);
      if (error instanceof DecodeError) throw recordRefusal(index, kind, 'record_malformed', error.message);
      if (error instanceof ServiceUnavailableError)
        throw recordRefusal(index, kind, 'registry_unavailable', error.message);
      throw error;
    }
  }
}

/** Why a frame cannot be a webcam or screen image, or null when it can. */
function frameProblem({ jpeg, width, height }: FrameCaptured): string | null {
  const size = jpegDimensions(jpeg);
  if (!size) return 'not a whole JPEG (start and end markers and a frame header)';
  if (size.width !== width || size.height !== height) {
    return `the JPEG is ${size.width}x${size.height}, the record says ${width}x${height}`;
  }
  return frameSizeProblem(width, height);
}

function recordRefusal(index: number, kind: RecordKind, reason: RefusalReason, message: string): IngestRefusal {
  return new IngestRefusal(reason, `record ${index} (${kind}): ${message}`, { record: index });
}
