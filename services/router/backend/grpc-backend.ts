// The cluster backend: the router's `RouterBackend` over the control plane (catalog, partition
// map) and the storage nodes (data). One factory wires the pieces: a channel pool, the map
// cache, the watcher that feeds it, the catalog client and the routed data path.

import { ClientPool } from '../../../lib/grpc/index.js';
import type { RouterBackend } from '../backend.js';
import { PartitionMapCache } from '../routing/partition-map.js';
import { defaultRetryPolicy, type RetryPolicyOptions } from '../routing/retry-policy.js';
import { ControlPlaneCatalog } from './catalog-backend.js';
import { PartitionMapWatcher } from './partition-map-watcher.js';
import { StorageCaller, type DataPathObserver } from './storage-call.js';
import { StorageData } from './storage-data.js';

/** Settings and hooks of the cluster backend. */
export interface ClusterBackendOptions {
  /** Control-plane replicas, `host:port`; at least one. */
  readonly controlPlaneAddresses: readonly string[];
  /** Time one backend call may take, retries included (default 5 s). */
  readonly requestTimeoutMs?: number;
  /** Deadline of one catalog or GetPartitionMap call (default 5 s). */
  readonly controlCallTimeoutMs?: number;
  /** Eventually consistent reads slower than this also ask another replica (default 50 ms). */
  readonly hedgeAfterMs?: number;
  readonly retryPolicy?: RetryPolicyOptions;
  /** Watch reconnect delay ceiling: first and largest (defaults 50 ms and 2 s). */
  readonly reconnectBaseDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Most gRPC channels open at once (default 256). */
  readonly channelsMax?: number;
  readonly nowMs?: () => number;
  readonly random?: () => number;
  readonly sleep?: (delayMs: number) => Promise<void>;
  readonly observer?: DataPathObserver;
  /** Told about every applied partition-map update. */
  readonly onMapApplied?: (epoch: bigint) => void;
  /** Told about watch failures and refused map messages. */
  readonly onProblem?: (message: string) => void;
}

/** The cluster backend plus what its owner starts, stops and observes. */
export interface ClusterBackend extends RouterBackend {
  readonly cache: PartitionMapCache;
  readonly watcher: PartitionMapWatcher;
  /** Starts the partition-map watch. */
  start(): void;
  /** Stops the watch and closes every channel. */
  stop(): Promise<void>;
}

function realSleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

/** Creates the cluster backend (not started: call `start()`). */
export function createClusterBackend(options: ClusterBackendOptions): ClusterBackend {
  const nowMs = options.nowMs ?? (() => Date.now());
  const random = options.random ?? Math.random;
  const controlCallTimeoutMs = options.controlCallTimeoutMs ?? 5000;
  const pool = new ClientPool({ channelsMax: options.channelsMax ?? 256 });
  const cache = new PartitionMapCache();
  const addresses = options.controlPlaneAddresses;
  const watcher = new PartitionMapWatcher({
    addresses,
    pool,
    cache,
    nowMs,
    random,
    reconnectBaseDelayMs: options.reconnectBaseDelayMs ?? 50,
    reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 2000,
    refreshTimeoutMs: controlCallTimeoutMs,
    ...(options.onMapApplied ? { onApplied: options.onMapApplied } : {}),
    ...(options.onProblem ? { onProblem: options.onProblem } : {}),
  });
  const caller = new StorageCaller({
    pool,
    cache,
    refreshMap: () => watcher.refresh(),
    nowMs,
    random,
    sleep: options.sleep ?? realSleep,
    retryPolicy: options.retryPolicy ?? defaultRetryPolicy,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
    hedgeAfterMs: options.hedgeAfterMs ?? 50,
    ...(options.observer ? { observer: options.observer } : {}),
  });
  return {
    catalog: new ControlPlaneCatalog({
      addresses,
      pool,
      cache,
      callTimeoutMs: controlCallTimeoutMs,
      refreshMap: () => watcher.refresh(),
      nowMs,
    }),
    data: new StorageData(caller),
    cache,
    watcher,
    start: () => watcher.start(),
    stop: async () => {
      await watcher.stop();
      pool.close();
    },
  };
}
