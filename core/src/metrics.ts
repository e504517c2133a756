import { collectDefaultMetrics, Registry } from 'prom-client';

/** A Prometheus registry with Node's process metrics, labelled with the component name. */
export function createMetricsRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}
