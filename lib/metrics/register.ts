/**
 * Registers a section of the metrics catalogue into a prom-client registry and returns
 * typed metric objects, so a service never spells a metric name or label by hand.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { CatalogueSection, MetricSpec } from './catalogue.js';

/** The label names of a spec as a string union. */
type LabelsOf<S extends MetricSpec> = S['labelNames'][number] & string;

/** The prom-client object a spec becomes. */
export type MetricOf<S extends MetricSpec> = S extends { type: 'counter' }
  ? Counter<LabelsOf<S>>
  : S extends { type: 'gauge' }
    ? Gauge<LabelsOf<S>>
    : Histogram<LabelsOf<S>>;

/** The typed metric objects of one catalogue section, by the section's field names. */
export type MetricsOf<S extends CatalogueSection> = { readonly [K in keyof S]: MetricOf<S[K]> };

/**
 * Creates every metric of `section` in `registry`. Registering the same section twice
 * in one registry is a programmer error and throws (prom-client refuses duplicate names).
 */
export function registerMetrics<S extends CatalogueSection>(
  registry: Registry,
  section: S,
): MetricsOf<S> {
  const result: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(section)) {
    result[field] = createMetric(registry, spec);
  }
  return result as MetricsOf<S>;
}

function createMetric(registry: Registry, spec: MetricSpec): unknown {
  const common = {
    name: spec.name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
  };
  switch (spec.type) {
    case 'counter':
      return new Counter(common);
    case 'gauge':
      return new Gauge(common);
    case 'histogram':
      return new Histogram({ ...common, buckets: [...spec.buckets] });
  }
}
