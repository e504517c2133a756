import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import avro from 'avsc';
import { loadAvroSchema } from '../src/serde.ts';
import { repoPath } from '../src/paths.ts';
import { contractsFile, renderSchemaTypes, schemaNames } from './schema-types.ts';

test('core/src/contracts/records.ts matches schemas/avro (run npm run schemas:types after changing a schema)', () => {
  assert.equal(readFileSync(repoPath(contractsFile), 'utf8'), renderSchemaTypes());
});

test("one schema per record type of DESIGN.md, the envelope desktops send them in, proctors' reviews, session statuses and the live wall's thumbnails", () => {
  assert.deepEqual(schemaNames(), [
    'AlertEvent',
    'AlertReview',
    'AudioChunk',
    'DeadLetter',
    'DetectorScore',
    'ExamPolicy',
    'FrameCaptured',
    'IngestBatch',
    'ProcessSnapshot',
    'RiskUpdate',
    'SessionEvent',
    'SessionStatus',
    'Thumbnail',
  ]);
});

type Node = { [key: string]: unknown };

function fieldsOf(schema: unknown, visit: (field: Node, record: string) => void): void {
  if (Array.isArray(schema)) return schema.forEach((member) => fieldsOf(member, visit));
  if (typeof schema !== 'object' || schema === null) return;
  const node = schema as Node;
  if (node.type === 'record') {
    for (const field of node.fields as Node[]) {
      visit(field, node.name as string);
      fieldsOf(field.type, visit);
    }
  } else {
    fieldsOf(node.type, visit);
    fieldsOf(node.items, visit);
    fieldsOf(node.values, visit);
  }
}

for (const name of schemaNames()) {
  test(`${name}: valid Avro, every field documented, times as timestamp-millis`, () => {
    const schema: unknown = JSON.parse(loadAvroSchema(name));
    avro.Type.forSchema(schema as avro.Schema);
    assert.equal((schema as Node).name, name);
    fieldsOf(schema, (field, record) => {
      const where = `${record}.${field.name as string}`;
      assert.ok(typeof field.doc === 'string' && field.doc.length > 0, `${where} has no doc`);
      if (/Time$/.test(field.name as string)) {
        assert.match(JSON.stringify(field.type), /"logicalType":"timestamp-millis"/, `${where} is a time`);
      }
    });
  });
}
