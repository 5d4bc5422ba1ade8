// The cluster backend's share of the router's metrics (`tessera_router_*`, lib/metrics'
// catalogue): retries, storage call durations, partition-map epoch and age. The router's
// observer registers the whole router section once; this looks the series up in the same
// registry rather than registering them a second time (prom-client refuses duplicates).

import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { routerMetrics } from '../../../lib/metrics/index.js';
import type { DataPathObserver } from './storage-call.js';

/** Hooks that feed the metrics. */
export interface ClusterBackendMetrics {
  readonly observer: DataPathObserver;
  /** Records an applied map epoch. */
  mapApplied(epoch: bigint): void;
  /** Sets the map age from the time of the last update (undefined: none yet). */
  updateAge(nowMs: number, lastUpdateMs: number | undefined): void;
}

function lookUp<T>(registry: Registry, name: string): T {
  const metric = registry.getSingleMetric(name);
  // The observer registers the router section first; a missing series is a wiring bug.
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  return metric as T;
}

/** The hooks, over the router metrics already registered in `registry`. */
export function clusterBackendMetrics(registry: Registry): ClusterBackendMetrics {
  const retries = lookUp<Counter>(registry, routerMetrics.retries.name);
  const callDuration = lookUp<Histogram>(registry, routerMetrics.storageCallDuration.name);
  const epoch = lookUp<Gauge>(registry, routerMetrics.partitionMapEpoch.name);
  const age = lookUp<Gauge>(registry, routerMetrics.partitionMapAge.name);
  return {
    observer: {
      retried: (operation, reason) => retries.inc({ operation, reason }),
      storageCall: (method, seconds) => callDuration.observe({ method }, seconds),
    },
    mapApplied: (value) => epoch.set(Number(value)),
    updateAge: (nowMs, lastUpdateMs) => {
      if (lastUpdateMs !== undefined) age.set(Math.max(0, (nowMs - lastUpdateMs) / 1000));
    },
  };
}
