/**
 * Every error the pipeline raises on purpose. `retriable` tells the runner whether to try again
 * with backoff (a service is unavailable) or to give up on the record (it is bad data).
 */
export class ProctoFlexError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** A missing or malformed environment variable; the process must not start. */
export class ConfigError extends ProctoFlexError {}

/** Bytes that are not a record of the expected contract. Never retriable. */
export class DecodeError extends ProctoFlexError {}

/** Bytes that claim more items, characters or bytes than the contract allows (contractLimits). */
export class LimitExceededError extends DecodeError {}

/** A well-formed record whose content cannot be processed (a corrupt JPEG, an empty audio chunk). Never retriable. */
export class InvalidRecordError extends ProctoFlexError {}

/** A service (broker, registry, database) did not answer in time. */
export class ServiceUnavailableError extends ProctoFlexError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}
