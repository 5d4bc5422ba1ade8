// Keeps the router's partition-map cache fed from the control plane's `WatchPartitionMap`
// stream: a snapshot on subscribe, then every change. When the stream breaks (the control
// plane restarted, lost leadership, or the network failed) the watcher reconnects to the next
// configured address after a jittered, exponentially growing but capped delay, and asks for
// changes past the epoch it already has. It stops promptly on `stop()`.
//
// `refresh()` is the one-shot alternative the data path uses after a WrongPartition answer:
// `GetPartitionMap`, applied as a snapshot. Concurrent refreshes share one call.

import { create } from '@bufbuild/protobuf';
import {
  PartitionMap,
  WatchPartitionMapResponseSchema,
  type WatchPartitionMapResponse,
} from '../../../lib/gen/tessera/control/v1/control_pb.js';
import { GrpcError, type ClientPool } from '../../../lib/grpc/index.js';
import { mapUpdateOf } from '../routing/partition-map-proto.js';
import type { PartitionMapCache } from '../routing/partition-map.js';

/** Options of the watcher. */
export interface PartitionMapWatcherOptions {
  /** Control-plane replicas, `host:port`; at least one. */
  readonly addresses: readonly string[];
  readonly pool: ClientPool;
  readonly cache: PartitionMapCache;
  readonly nowMs: () => number;
  /** A number in [0, 1), for the reconnect jitter. */
  readonly random: () => number;
  /** Ceiling of the first reconnect delay; doubled per failed attempt. */
  readonly reconnectBaseDelayMs: number;
  /** Largest reconnect delay. */
  readonly reconnectMaxDelayMs: number;
  /** Deadline of one GetPartitionMap call. */
  readonly refreshTimeoutMs: number;
  /** Told about every applied update (metrics: epoch and age). */
  readonly onApplied?: (epoch: bigint) => void;
  /** Told why a message was refused or the stream broke (for the log). */
  readonly onProblem?: (message: string) => void;
}

/** Sleeps `delayMs`, or less when `signal` aborts first. */
function sleepUnlessAborted(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, delayMs);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The watch loop and the on-demand refresh. */
export class PartitionMapWatcher {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private refreshing: Promise<boolean> | undefined;
  private addressIndex = 0;
  private lastUpdateMsValue: number | undefined;
  private reconnectsValue = 0;

  /** @param options where to watch, what to feed, and the reconnect bounds. */
  constructor(private readonly options: PartitionMapWatcherOptions) {
    if (options.addresses.length === 0) throw new Error('at least one control-plane address');
  }

  /** When the last update was applied (for the age metric); undefined before the first. */
  get lastUpdateMs(): number | undefined {
    return this.lastUpdateMsValue;
  }

  /** How many times the stream was reopened after breaking. */
  get reconnects(): number {
    return this.reconnectsValue;
  }

  /** Starts watching; the loop runs until `stop()`. */
  start(): void {
    if (this.loop !== undefined) throw new Error('the watcher is already started');
    this.loop = this.run();
  }

  /** Stops watching and waits for the loop to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get address(): string {
    const { addresses } = this.options;
    return addresses[this.addressIndex % addresses.length] as string;
  }

  private async run(): Promise<void> {
    const { random, reconnectBaseDelayMs, reconnectMaxDelayMs } = this.options;
    for (let failures = 0; !this.abort.signal.aborted;) {
      const received = await this.watchOnce();
      if (this.abort.signal.aborted) return;
      // A stream that delivered something was healthy: start the backoff again from the base.
      failures = received ? 1 : failures + 1;
      this.addressIndex += 1;
      this.reconnectsValue += 1;
      const ceilingMs = Math.min(reconnectMaxDelayMs, reconnectBaseDelayMs * 2 ** (failures - 1));
      await sleepUnlessAborted(Math.floor(random() * ceilingMs), this.abort.signal);
    }
  }

  /** One subscription: applies messages until the stream ends. True when any was applied. */
  private async watchOnce(): Promise<boolean> {
    const address = this.address;
    let received = false;
    try {
      const client = this.options.pool.client(PartitionMap, address);
      const stream = client.watchPartitionMap(
        { knownEpoch: this.options.cache.epoch },
        { signal: this.abort.signal },
      );
      for await (const message of stream) {
        if (this.apply(message)) received = true;
      }
      this.options.onProblem?.(`partition map watch at ${address} ended`);
    } catch (thrown) {
      if (this.abort.signal.aborted) return received;
      const error = GrpcError.from(thrown);
      this.options.onProblem?.(
        `partition map watch at ${address} failed: ${error.codeName} ${error.message}`,
      );
    }
    return received;
  }

  /** Applies one message to the cache; a refused one is reported and the map kept. */
  private apply(message: WatchPartitionMapResponse): boolean {
    const update = mapUpdateOf(message);
    if (!update.ok) {
      this.options.onProblem?.(`malformed partition map message: ${update.message}`);
      return false;
    }
    const applied = this.options.cache.apply(update.value);
    if (!applied.ok) {
      // A stale resend after a reconnect is expected and harmless; anything else is logged.
      if (applied.reason !== 'stale-epoch') {
        this.options.onProblem?.(
          `partition map update refused: ${JSON.stringify(applied, bigints)}`,
        );
      }
      return false;
    }
    this.lastUpdateMsValue = this.options.nowMs();
    this.options.onApplied?.(this.options.cache.epoch);
    return true;
  }

  /**
   * Fetches the whole map once (`GetPartitionMap`) and applies it as a snapshot; true when the
   * cache now holds an epoch at least as new as the answer. Concurrent callers share one call.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.fetchOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetchOnce(): Promise<boolean> {
    const { pool, refreshTimeoutMs, addresses } = this.options;
    for (let tried = 0; tried < addresses.length; tried += 1) {
      const address = addresses[(this.addressIndex + tried) % addresses.length] as string;
      try {
        const client = pool.client(PartitionMap, address);
        const answer = await client.getPartitionMap({}, { timeoutMs: refreshTimeoutMs });
        const message = create(WatchPartitionMapResponseSchema, {
          epoch: answer.epoch,
          snapshot: true,
          tables: answer.tables,
        });
        this.apply(message);
        return this.options.cache.epoch >= answer.epoch;
      } catch (thrown) {
        const error = GrpcError.from(thrown);
        this.options.onProblem?.(
          `GetPartitionMap at ${address} failed: ${error.codeName} ${error.message}`,
        );
      }
    }
    return false;
  }
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
