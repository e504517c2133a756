import assert from 'node:assert/strict';
import test from 'node:test';
import { build } from 'esbuild';
import { repoPath } from './paths.ts';

test('the client entry bundles for a browser: no Node built-in, no server client, no file read', async () => {
  const result = await build({
    entryPoints: [repoPath('core/src/client.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const server = inputs.filter((input) => /node_modules\/(pg|kafkajs|@clickhouse|@kafkajs|jsonwebtoken)\//.test(input));
  assert.deepEqual(server, [], 'server clients in the client bundle');
  const coreFiles = inputs.filter((input) => input.startsWith('core/src/'));
  assert.ok(coreFiles.includes('core/src/contracts/records.ts'), `core files bundled: ${coreFiles.join(', ')}`);
  for (const serverOnly of ['core/src/paths.ts', 'core/src/topics.ts', 'core/src/serde.ts', 'core/src/kafka.ts'])
    assert.ok(!coreFiles.includes(serverOnly), `${serverOnly} is server-side`);
});
