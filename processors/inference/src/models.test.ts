import assert from 'node:assert/strict';
import test from 'node:test';
import { manifestEntry, readModel, type ModelName } from './models.ts';

const names: ModelName[] = [
  'face-detector',
  'face-detector-short-range',
  'face-landmarks',
  'face-embedding',
  'object-detector',
  'voice-activity',
];

test('every model file has the sha256 the manifest names', () => {
  for (const name of names) assert.ok(readModel(name).length > 0, name);
});

test('the manifest says where every model comes from', () => {
  for (const name of names) assert.match(manifestEntry(name).source, /\d+\.\d+/, `${name} names a package version`);
});
