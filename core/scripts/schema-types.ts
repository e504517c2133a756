import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { repoPath } from '../src/paths.ts';

/**
 * Renders the TypeScript types of schemas/avro/*.avsc, the way avsc decodes them: long and
 * timestamp-millis as number (epoch milliseconds), bytes as Buffer, ["null", T] as T | null,
 * and the schemas' texts themselves, so that no process (nor a browser or desktop bundle) reads
 * a file to know a contract. `npm run schemas:types` writes core/src/contracts/records.ts; a test
 * checks it is up to date.
 */
type AvroType = string | AvroType[] | { type: string; [key: string]: unknown };
interface AvroField {
  name: string;
  type: AvroType;
  doc?: string;
}

const primitives: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  string: 'string',
  bytes: 'Buffer',
};

export const contractsFile = 'core/src/contracts/records.ts';

export function schemaNames(): string[] {
  return readdirSync(repoPath('schemas/avro'))
    .filter((file) => file.endsWith('.avsc'))
    .map((file) => file.replace(/\.avsc$/, ''))
    .sort();
}

export function renderSchemaTypes(): string {
  const declarations = new Map<string, string>();

  const docComment = (doc: unknown, indent: string): string =>
    typeof doc === 'string' ? `${indent}/** ${doc.replace(/\*\//g, '*\\/')} */\n` : '';

  const declare = (name: string, declaration: string): void => {
    const existing = declarations.get(name);
    if (existing !== undefined && existing !== declaration) {
      throw new Error(`Avro type ${name} is defined twice with different shapes`);
    }
    declarations.set(name, declaration);
  };

  const typeOf = (avroType: AvroType): string => {
    if (typeof avroType === 'string') return primitives[avroType] ?? avroType.split('.').pop()!;
    if (Array.isArray(avroType)) return avroType.map(typeOf).join(' | ');
    switch (avroType.type) {
      case 'record': {
        const name = avroType.name as string;
        const fields = (avroType.fields as AvroField[])
          .map((field) => `${docComment(field.doc, '  ')}  ${field.name}: ${typeOf(field.type)};`)
          .join('\n');
        declare(name, `${docComment(avroType.doc, '')}export interface ${name} {\n${fields}\n}`);
        return name;
      }
      case 'enum': {
        const name = avroType.name as string;
        const symbols = (avroType.symbols as string[]).map((symbol) => `'${symbol}'`).join(' | ');
        declare(name, `${docComment(avroType.doc, '')}export type ${name} = ${symbols};`);
        return name;
      }
      case 'array': {
        const items = typeOf(avroType.items as AvroType);
        return items.includes(' ') ? `Array<${items}>` : `${items}[]`;
      }
      case 'map':
        return `Record<string, ${typeOf(avroType.values as AvroType)}>`;
      default:
        return typeOf(avroType.type);
    }
  };

  const names = schemaNames();
  const texts = names.map((name) => readFileSync(repoPath(`schemas/avro/${name}.avsc`), 'utf8'));
  for (const text of texts) typeOf(JSON.parse(text) as AvroType);
  const schemaMap = names.map((name) => `  ${name}: ${name};`).join('\n');
  const textMap = names.map((name, index) => `  ${name}: ${JSON.stringify(texts[index])},`).join('\n');
  return [
    '// Generated from schemas/avro/*.avsc by `npm run schemas:types`; do not edit by hand.',
    ...declarations.values(),
    `/** Every top-level schema, by the name of its .avsc file. */\nexport interface Contracts {\n${schemaMap}\n}`,
    `/** The text of every schema (schemas/avro/<name>.avsc), as registered. */\nexport const avroSchemaTexts: Record<keyof Contracts, string> = {\n${textMap}\n};`,
    '',
  ].join('\n\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  writeFileSync(repoPath(contractsFile), renderSchemaTypes());
}
