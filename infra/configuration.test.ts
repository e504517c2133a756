import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { repoPath } from '@proctoflex/core';
import { configurationFile, renderConfiguration } from './configuration.ts';

test('docs/configuration.md matches the config specs (run npm run docs:config after changing a variable)', async () => {
  assert.equal(readFileSync(repoPath(configurationFile), 'utf8'), await renderConfiguration());
});
