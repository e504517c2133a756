import assert from 'node:assert/strict';
import test from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { servicesConfig, uniqueName } from './testing/index.ts';

const registry = new SchemaRegistry({ host: servicesConfig().SCHEMA_REGISTRY_URL });
const candidate = (fields: object[]) => ({
  type: SchemaType.AVRO as const,
  schema: JSON.stringify({ type: 'record', name: 'Candidate', namespace: 'it', fields }),
});
const base = [
  { name: 'candidateId', type: 'string' },
  { name: 'score', type: 'double' },
];

test('the registry enforces BACKWARD compatibility per subject', async () => {
  const subject = `${uniqueName('it.compat')}-value`;
  const { id: first } = await registry.register(candidate(base), { subject });

  await assert.rejects(
    registry.register(candidate([...base, { name: 'examId', type: 'string' }]), { subject }),
    /incompatible|409/i,
    'a new field without a default cannot read old records',
  );
  await assert.rejects(
    registry.register(
      candidate([
        { name: 'candidateId', type: 'string' },
        { name: 'score', type: 'string' },
      ]),
      {
        subject,
      },
    ),
    /incompatible|409/i,
    'a changed field type is refused',
  );

  const { id: second } = await registry.register(
    candidate([...base, { name: 'examId', type: 'string', default: '' }]),
    { subject },
  );
  assert.notEqual(second, first);
  assert.equal(await registry.getLatestSchemaId(subject), second);
  assert.equal(await registry.getRegistryId(subject, 1), first);
  const config = (await (await fetch(`${servicesConfig().SCHEMA_REGISTRY_URL}/config/${subject}`)).json()) as {
    compatibilityLevel: string;
  };
  assert.equal(config.compatibilityLevel, 'BACKWARD');
});
