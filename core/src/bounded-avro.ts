import avro from 'avsc';
import { largestJpegBytes } from './contracts/frame-size.ts';
import { DecodeError, LimitExceededError } from './errors.ts';

/**
 * Caps from the contract on what one record may hold, keyed `<record full name>.<field>`:
 * items of an array or map, bytes of a string (UTF-8) or of a bytes field. A value over its cap
 * is refused while the bytes are walked, before anything is allocated for it.
 */
export const contractLimits: Readonly<Record<string, number>> = {
  // Records in one client batch: the gateway's burst (INGEST_SESSION_BURST_RECORDS) at its default.
  'dev.proctoflex.v1.IngestBatch.records': 1000,
  'dev.proctoflex.v1.FrameCaptured.jpeg': largestJpegBytes,
  'dev.proctoflex.v1.AudioChunk.pcm': 256 * 1024,
  'dev.proctoflex.v1.ProcessSnapshot.processes': 16_384,
  'dev.proctoflex.v1.ProcessSnapshot.displays': 16,
  'dev.proctoflex.v1.ProcessSnapshot.browserDomains': 1024,
  'dev.proctoflex.v1.ProcessSnapshot.virtualMachineHints': 64,
  'dev.proctoflex.v1.ProcessSnapshot.foregroundWindowTitle': 4096,
  'dev.proctoflex.v1.RunningProcess.name': 1024,
  'dev.proctoflex.v1.RunningProcess.executablePath': 4096,
};

/**
 * Where no cap is named, the bytes themselves bound every length (a string or an array of n
 * non-empty items needs at least n bytes). Items that may take no byte at all (null, an empty
 * record) get this many at most, so that a count alone cannot make the decoder loop.
 */
const maxEmptyItems = 1024;
const identifierCharacters = 256;

/** Fields every ingest record names a session with: short identifiers, never free text. */
const identifierFields = new Set(['sessionId', 'examId', 'candidateId']);

type Walk = (reader: Reader) => void;

/** Reads the Avro binary encoding without building values; every step checks what is left. */
class Reader {
  position = 0;

  constructor(private readonly bytes: Buffer) {}

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  skip(count: number, what: string): void {
    if (count > this.remaining) throw new DecodeError(`${what}: needs ${count} bytes, ${this.remaining} left`);
    this.position += count;
  }

  /** A zigzag varint; refuses one longer than a long's 10 bytes or beyond 2^53. */
  long(what: string): number {
    let value = 0;
    let scale = 1;
    for (let length = 0; length < 10; length += 1) {
      if (this.position >= this.bytes.length) throw new DecodeError(`${what}: the bytes end inside a number`);
      const byte = this.bytes[this.position++]!;
      value += (byte & 0x7f) * scale;
      if (!(byte & 0x80)) {
        if (value > Number.MAX_SAFE_INTEGER) throw new DecodeError(`${what}: number beyond 2^53`);
        return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      }
      scale *= 128;
    }
    throw new DecodeError(`${what}: a number longer than 10 bytes`);
  }

  length(what: string, cap: number): number {
    const length = this.long(what);
    if (length < 0) throw new DecodeError(`${what}: negative length ${length}`);
    if (length > cap) throw new LimitExceededError(`${what}: ${length} exceeds the limit of ${cap}`);
    return length;
  }
}

/** Fewest bytes one value of the type takes, to bound a block count by the bytes left. */
function minimumBytes(type: avro.Type, seen = new Set<avro.Type>()): number {
  if (seen.has(type)) return 1;
  seen.add(type);
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (type as avro.types.FixedType).size;
    case 'record':
    case 'error':
      return (type as avro.types.RecordType).fields.reduce((sum, field) => sum + minimumBytes(field.type, seen), 0);
    default:
      return type.typeName.startsWith('logical:') ? minimumBytes(underlying(type), seen) : 1;
  }
}

function underlying(type: avro.Type): avro.Type {
  return (type as unknown as { underlyingType: avro.Type }).underlyingType;
}

function capOf(path: string, limits: Readonly<Record<string, number>>): number | undefined {
  return (
    limits[path] ?? (identifierFields.has(path.slice(path.lastIndexOf('.') + 1)) ? identifierCharacters : undefined)
  );
}

/** Builds the walk of a type once; `path` names the field whose cap applies. */
function walkOf(type: avro.Type, path: string, limits: Readonly<Record<string, number>>): Walk {
  const cap = capOf(path, limits);
  switch (type.typeName) {
    case 'null':
      return () => {};
    case 'boolean':
      return (reader) => reader.skip(1, path);
    case 'int':
    case 'long':
      return (reader) => void reader.long(path);
    case 'float':
      return (reader) => reader.skip(4, path);
    case 'double':
      return (reader) => reader.skip(8, path);
    case 'fixed': {
      const size = (type as avro.types.FixedType).size;
      return (reader) => reader.skip(size, path);
    }
    case 'bytes':
    case 'string':
      return (reader) => reader.skip(reader.length(path, cap ?? Infinity), path);
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols.length;
      return (reader) => {
        const index = reader.long(path);
        if (index < 0 || index >= symbols) throw new DecodeError(`${path}: enum index ${index} out of range`);
      };
    }
    case 'array':
    case 'map': {
      const items: avro.Type =
        type.typeName === 'array'
          ? (type as avro.types.ArrayType).itemsType
          : ((type as avro.types.MapType).valuesType as avro.Type);
      const walkItem = walkOf(items, `${path}[]`, limits);
      const keyCap = identifierCharacters * 4;
      const itemBytes = minimumBytes(items) + (type.typeName === 'map' ? 1 : 0);
      const walkKey: Walk = (reader) => reader.skip(reader.length(`${path} key`, keyCap), path);
      return (reader) => {
        let total = 0;
        for (;;) {
          let count = reader.long(path);
          if (count === 0) return;
          if (count < 0) {
            count = -count;
            if (reader.length(`${path} block size`, Infinity) > reader.remaining) {
              throw new DecodeError(`${path}: a block larger than the ${reader.remaining} bytes left`);
            }
          }
          total += count;
          if (total > (cap ?? (itemBytes === 0 ? maxEmptyItems : Infinity))) {
            throw new LimitExceededError(`${path}: ${total} items exceed the limit of ${cap ?? maxEmptyItems}`);
          }
          if (count * itemBytes > reader.remaining) {
            throw new DecodeError(`${path}: ${count} items cannot fit in the ${reader.remaining} bytes left`);
          }
          for (let item = 0; item < count; item += 1) {
            if (type.typeName === 'map') walkKey(reader);
            walkItem(reader);
          }
        }
      };
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as avro.types.UnwrappedUnionType).types.map((branch: avro.Type) =>
        walkOf(branch, path, limits),
      );
      return (reader) => {
        const index = reader.long(path);
        const branch = branches[index];
        if (!branch) throw new DecodeError(`${path}: union branch ${index} out of range`);
        branch(reader);
      };
    }
    case 'record':
    case 'error': {
      const record = type as avro.types.RecordType;
      const fields = record.fields.map((field) => walkOf(field.type, `${record.name}.${field.name}`, limits));
      return (reader) => {
        for (const walk of fields) walk(reader);
      };
    }
    default:
      if (type.typeName.startsWith('logical:')) return walkOf(underlying(type), path, limits);
      throw new Error(`no bounded walk for Avro type ${type.typeName}`);
  }
}

const walks = new WeakMap<avro.Type, Walk>();

/**
 * Decodes untrusted Avro bytes with every length bounded: the bytes are walked first against
 * the type and `contractLimits` (nothing allocated), then decoded. Throws DecodeError naming
 * the field at fault; memory stays proportional to the input whatever its length prefixes say.
 */
export function decodeBounded(type: avro.Type, bytes: Buffer): unknown {
  let walk = walks.get(type);
  if (!walk) {
    walk = walkOf(type, type.name ?? type.typeName, contractLimits);
    walks.set(type, walk);
  }
  const reader = new Reader(bytes);
  walk(reader);
  if (reader.remaining !== 0) throw new DecodeError(`${reader.remaining} bytes follow the record`);
  try {
    return type.fromBuffer(bytes);
  } catch (error) {
    throw new DecodeError(`not a valid ${type.name ?? type.typeName}: ${(error as Error).message}`, { cause: error });
  }
}
