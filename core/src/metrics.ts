import { collectDefaultMetrics, Registry } from 'prom-client';

/** A Prometheus registry with Node's process metrics, labelled with the component name. */
export function createMetricsRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The p-th percentile (0-100) of values sorted ascending, nearest rank; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
