import { ProctoFlexError } from '../errors.ts';

/** Why the gateway refused a connection, request or batch: machine-readable, one per cause. */
export type RefusalReason =
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'session_mismatch'
  | 'session_ended'
  | 'session_revoked'
  | 'batch_malformed'
  | 'batch_too_large'
  | 'record_too_large'
  | 'schema_unknown'
  | 'record_malformed'
  | 'frame_invalid'
  | 'seq_not_increasing'
  | 'timestamp_out_of_range'
  | 'rate_limited'
  | 'kafka_unavailable'
  | 'registry_unavailable'
  | 'draining';

const statusOf: Record<RefusalReason, number> = {
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  session_mismatch: 403,
  session_ended: 403,
  session_revoked: 403,
  batch_malformed: 400,
  batch_too_large: 413,
  record_too_large: 413,
  schema_unknown: 422,
  record_malformed: 422,
  frame_invalid: 422,
  seq_not_increasing: 422,
  timestamp_out_of_range: 422,
  rate_limited: 429,
  kafka_unavailable: 503,
  registry_unavailable: 503,
  draining: 503,
};

/** A refusal the client can act on: resend later when `retriable`, fix the client otherwise. */
export class IngestRefusal extends ProctoFlexError {
  readonly status: number;

  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly details: { batchId?: number; record?: number; retryAfterMs?: number } = {},
  ) {
    super(message, {
      retriable: ['rate_limited', 'kafka_unavailable', 'registry_unavailable', 'draining'].includes(reason),
    });
    this.status = statusOf[reason];
  }

  toJSON() {
    return { error: this.reason, message: this.message, retriable: this.retriable, ...this.details };
  }
}
