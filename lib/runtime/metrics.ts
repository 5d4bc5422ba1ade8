// The process's Prometheus registry, with Node's default process metrics.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Creates a registry labelled with the service, holding the default process metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  return registry;
}
