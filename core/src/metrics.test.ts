import assert from 'node:assert/strict';
import test from 'node:test';
import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics.ts';

test('a component registry exposes process metrics and its own, labelled with the component', async () => {
  const registry = createMetricsRegistry('face');
  const recordsIn = new Counter({ name: 'stage_records_in_total', help: 'Records consumed.', registers: [registry] });
  recordsIn.inc(3);
  const text = await registry.metrics();
  assert.match(text, /^stage_records_in_total\{component="face"\} 3$/m);
  assert.match(text, /^process_cpu_user_seconds_total\{component="face"\} /m);
  assert.match(text, /^nodejs_heap_size_used_bytes\{component="face"\} /m);
});
