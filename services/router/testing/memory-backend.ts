// TEST DOUBLE — not the real data path. An in-memory RouterBackend for the router's tests and
// for the explicit `--backend=memory` development mode: tables and items live in this
// process, evaluated with lib/dynamo exactly as a storage node evaluates them, with no
// replication, durability or partitioning. The real backend routes to the control plane
// (catalog) and the storage nodes (data) over gRPC.

import type { RouterBackend } from '../backend.js';
import { MemoryCatalog, type MemoryTable } from './memory-catalog.js';
import { MemoryData, type FaultInjector } from './memory-data.js';

export type { FaultInjector } from './memory-data.js';

/** Options of the in-memory backend. */
export interface MemoryBackendOptions {
  /** The clock for CreationDateTime (injected; tests pass a fixed one). */
  readonly nowMs: () => number;
  /** The region named in table ARNs. */
  readonly region?: string;
}

/** The in-memory backend plus a fault-injection hook for tests of unprocessed batches. */
export interface MemoryBackend extends RouterBackend {
  /** Makes matching calls answer `unavailable` or `throttled`; undefined clears it. */
  injectFaults(injector: FaultInjector | undefined): void;
}

/** Creates an empty in-memory backend. */
export function createMemoryBackend(options: MemoryBackendOptions): MemoryBackend {
  const tables = new Map<string, MemoryTable>();
  const faults: { inject: FaultInjector | undefined } = { inject: undefined };
  return {
    catalog: new MemoryCatalog(tables, options.nowMs, options.region ?? 'us-east-1'),
    data: new MemoryData(tables, faults),
    injectFaults(injector) {
      faults.inject = injector;
    },
  };
}
