import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import test from 'node:test';
import { repoPath } from './paths.ts';
import { parseTopics, pipelineTopics } from './topics.ts';

test("every topic of DESIGN.md, proctors' reviews, session statuses and the live wall's thumbnails are declared, with a schema file", () => {
  const names = pipelineTopics()
    .map((topic) => topic.name)
    .sort();
  assert.deepEqual(names, [
    'proctor.alerts.v1',
    'proctor.audio.v1',
    'proctor.dlq.v1',
    'proctor.frames.v1',
    'proctor.policies.v1',
    'proctor.process.v1',
    'proctor.reviews.v1',
    'proctor.risk.v1',
    'proctor.scores.v1',
    'proctor.session-status.v1',
    'proctor.sessions.v1',
    'proctor.thumbnails.v1',
  ]);
  for (const topic of pipelineTopics())
    assert.ok(existsSync(repoPath(`schemas/avro/${topic.schema}.avsc`)), topic.schema);
});

test('session-keyed topics are co-partitioned and policies are compacted', () => {
  const sessionTopics = pipelineTopics().filter(
    (topic) => !['proctor.policies.v1', 'proctor.dlq.v1'].includes(topic.name),
  );
  assert.equal(new Set(sessionTopics.map((topic) => topic.partitions)).size, 1);
  const policies = pipelineTopics().find((topic) => topic.name === 'proctor.policies.v1');
  assert.deepEqual([policies?.cleanupPolicy, policies?.retentionMs], ['compact', null]);
});

test('retention units and malformed lines', () => {
  assert.deepEqual(parseTopics('t.a 3 2d delete A # comment\n\n# only a comment'), [
    { name: 't.a', partitions: 3, retentionMs: 2 * 86_400_000, cleanupPolicy: 'delete', schema: 'A' },
  ]);
  assert.throws(() => parseTopics('t.a 0 2d delete A'), /line 1: partitions must be a positive number/);
  assert.throws(() => parseTopics('\nt.a 3 2w delete A'), /line 2: retention must look like 24h or 7d/);
  assert.throws(() => parseTopics('t.a 3 - remove A'), /cleanup must be delete or compact/);
  assert.throws(() => parseTopics('t.a 3 1d delete'), /expected 5 columns, found 4/);
});
