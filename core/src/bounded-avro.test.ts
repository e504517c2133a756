import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import test from 'node:test';
import avro from 'avsc';
import fc from 'fast-check';
import { decodeBounded } from './bounded-avro.ts';
import { DecodeError } from './errors.ts';
import { repoPath } from './paths.ts';
import { loadAvroSchema } from './serde.ts';

const contracts = readdirSync(repoPath('schemas/avro')).map((file) => file.replace(/\.avsc$/, ''));
const typeOf = (name: string) => avro.Type.forSchema(JSON.parse(loadAvroSchema(name)) as avro.Schema);

/** Zigzag varint of a non-negative count, as Avro writes a block count. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let zigzag = value * 2;
  while (zigzag >= 0x80) {
    bytes.push((zigzag % 0x80) | 0x80);
    zigzag = Math.floor(zigzag / 0x80);
  }
  bytes.push(zigzag);
  return bytes;
}

const session = { sessionId: 's-1', examId: 'e-1', candidateId: 'c-1', seq: 1, captureTime: 1_800_000_000_000 };

test('every contract decodes what it encodes', () => {
  for (const name of contracts) {
    const type = typeOf(name);
    for (let sample = 0; sample < 50; sample += 1) {
      const encoded = type.toBuffer(type.random());
      assert.deepEqual(type.toBuffer(decodeBounded(type, encoded)), encoded, name);
    }
  }
});

test('a batch whose record count claims 2^30 is refused at once, naming the field and the limit', () => {
  const batch = Buffer.from([0x02, ...varint(2 ** 30), 0x00]);
  assert.throws(() => decodeBounded(typeOf('IngestBatch'), batch), {
    name: 'LimitExceededError',
    message: /IngestBatch\.records: 1073741824 items exceed the limit of 1000/,
  });
});

test('a process snapshot whose process count claims 2^30 is refused before any process is read', () => {
  const type = typeOf('ProcessSnapshot');
  const honest = type.toBuffer({
    ...session,
    platform: 'linux',
    processes: [],
    foregroundApp: null,
    foregroundWindowTitle: null,
    browserDomains: [],
    displays: [],
    virtualMachineHints: [],
  });
  // The header fields end where `platform` ends: ids, seq, captureTime, "linux".
  const prefix = avro.Type.forSchema({
    type: 'record',
    name: 'Prefix',
    fields: ['sessionId', 'examId', 'candidateId'].map((name) => ({ name, type: 'string' })),
  }).toBuffer(session).length;
  const platformEnd = prefix + avro.Type.forSchema('long').toBuffer(1).length + 6 + 6;
  const hostile = Buffer.concat([honest.subarray(0, platformEnd), Buffer.from(varint(2 ** 30))]);
  assert.throws(() => decodeBounded(type, hostile), /ProcessSnapshot\.processes: 1073741824 items exceed the limit/);
  // Under its cap, a count the bytes cannot hold is refused too.
  const short = Buffer.concat([honest.subarray(0, platformEnd), Buffer.from(varint(4000)), Buffer.alloc(10)]);
  assert.throws(() => decodeBounded(type, short), /4000 items cannot fit in the 10 bytes left/);
});

test('strings, bytes and media are bounded by their contract caps', () => {
  const frame = typeOf('FrameCaptured');
  const bigFrame = frame.toBuffer({
    ...session,
    source: 'WEBCAM',
    enrolment: false,
    width: 1,
    height: 1,
    jpeg: Buffer.alloc(1024 * 1024 + 1),
  });
  assert.throws(() => decodeBounded(frame, bigFrame), /FrameCaptured\.jpeg: 1048577 exceeds the limit of 1048576/);
  const longId = frame.toBuffer({
    ...session,
    sessionId: 'x'.repeat(300),
    source: 'WEBCAM',
    enrolment: false,
    width: 1,
    height: 1,
    jpeg: Buffer.alloc(1),
  });
  assert.throws(() => decodeBounded(frame, longId), /FrameCaptured\.sessionId: 300 exceeds the limit of 256/);
});

test('random and mutated bytes only ever give a value or a DecodeError, in bounded memory', () => {
  const types = contracts.map(typeOf);
  const samples = types.map((type) => type.toBuffer(type.random()));
  const heapBefore = process.memoryUsage().heapUsed;
  fc.assert(
    fc.property(
      fc.nat(types.length - 1),
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
      ),
      (which, mutation) => {
        const type = types[which]!;
        const input =
          mutation instanceof Uint8Array
            ? Buffer.from(mutation)
            : Buffer.concat([
                samples[which]!.subarray(0, mutation.at % (samples[which]!.length + 1)),
                Buffer.from(mutation.bytes),
                samples[which]!.subarray(mutation.at % (samples[which]!.length + 1)),
              ]);
        try {
          decodeBounded(type, input);
        } catch (error) {
          assert.ok(error instanceof DecodeError, `${type.name}: ${String(error)}`);
        }
      },
    ),
    { numRuns: 5000 },
  );
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 256 * 1024 * 1024, 'heap grew by less than 256 MiB');
});
