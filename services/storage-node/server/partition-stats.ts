// Per-partition figures for the control plane's reports: request rates (counted by the Storage
// service, turned into rates over the time between two reports) and a size-weighted sample of
// key hashes from a bounded scan (split points are chosen from it, not at the midpoint).
import type { Engine } from '../engine/engine.js';
import { hashBytes, partitionRange, tablePrefix } from '../engine/storage-keys.js';
import type { PartitionMeta } from '../host/partition-meta.js';

/** One partition's request figures over a report window. */
export interface RequestFigures {
  readonly readsPerSecond: number;
  readonly writesPerSecond: number;
  /** Key hashes the sampled requests addressed, weighted by how often (heaviest first). */
  readonly samples: readonly { hash: Uint8Array; weight: number }[];
}

/** Every this many requests of a partition, one has its key hash sampled (MD5 is not free). */
const SAMPLE_EVERY = 8;
/** Distinct key hashes counted per partition and window (the lightest is evicted beyond). */
const SAMPLED_KEYS_MAX = 128;
/** Key samples reported per partition. */
const SAMPLES_REPORTED_MAX = 64;

interface Counts {
  reads: number;
  writes: number;
  /** hex hash → requests seen for it (space-saving counts). */
  readonly keys: Map<string, number>;
}

/**
 * Reads and writes served per partition, the rates since the previous report, and a sample of
 * the keys they addressed — so that a partition hot by request rate is split at the median of
 * its requests, not of its data.
 */
export class RequestRates {
  private readonly counts = new Map<string, Counts>();
  private lastReportMs: number;
  private last = new Map<string, RequestFigures>();

  /**
   * @param windowMinMs a `take()` sooner than this after the previous one answers the previous
   *   rates again: reports asked between heartbeats (the control plane's move steps) must not
   *   cut the heartbeats' windows short.
   */
  constructor(
    private readonly nowMs: () => number,
    private readonly windowMinMs = 0,
  ) {
    this.lastReportMs = nowMs();
  }

  /**
   * Counts one request; `keyHash` (computed only for the sampled ones) gives the hash of the
   * partition key it addressed, when it has one.
   */
  record(
    partitionId: string,
    kind: 'read' | 'write',
    keyHash?: () => Uint8Array | undefined,
  ): void {
    let count = this.counts.get(partitionId);
    if (count === undefined) {
      if (this.counts.size >= 100_000) return;
      count = { reads: 0, writes: 0, keys: new Map() };
      this.counts.set(partitionId, count);
    }
    if (kind === 'read') count.reads++;
    else count.writes++;
    if (keyHash === undefined || (count.reads + count.writes) % SAMPLE_EVERY !== 0) return;
    const hash = keyHash();
    if (hash !== undefined) sampleKey(count.keys, Buffer.from(hash).toString('hex'));
  }

  /** Rates per partition since the previous call, per second; resets the counts. */
  take(): Map<string, RequestFigures> {
    const now = this.nowMs();
    if (now - this.lastReportMs < this.windowMinMs) return this.last;
    const seconds = Math.max((now - this.lastReportMs) / 1000, 0.001);
    this.lastReportMs = now;
    const rates = new Map<string, RequestFigures>();
    for (const [id, count] of this.counts) {
      const samples = [...count.keys]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, SAMPLES_REPORTED_MAX)
        .map(([hex, weight]) => ({ hash: new Uint8Array(Buffer.from(hex, 'hex')), weight }));
      rates.set(id, {
        readsPerSecond: count.reads / seconds,
        writesPerSecond: count.writes / seconds,
        samples,
      });
    }
    this.counts.clear();
    this.last = rates;
    return rates;
  }
}

/** Counts `hex` in a bounded map, evicting the lightest key when full (space-saving). */
function sampleKey(keys: Map<string, number>, hex: string): void {
  const known = keys.get(hex);
  if (known !== undefined) {
    keys.set(hex, known + 1);
    return;
  }
  if (keys.size < SAMPLED_KEYS_MAX) {
    keys.set(hex, 1);
    return;
  }
  let lightest: [string, number] | undefined;
  for (const entry of keys) if (lightest === undefined || entry[1] < lightest[1]) lightest = entry;
  if (lightest === undefined) return;
  keys.delete(lightest[0]);
  keys.set(hex, lightest[1] + 1);
}

/**
 * Partition sizes measured at most once per `maxAgeMs` (or again when the epoch changed): a
 * measurement scans the partition, too much work for every heartbeat of a large partition.
 */
export class SizeCache {
  private readonly entries = new Map<
    string,
    { epoch: number; atMs: number; size: PartitionSize }
  >();

  constructor(
    private readonly nowMs: () => number,
    private readonly maxAgeMs: number,
  ) {}

  /** The partition's figures, measured now or not long ago. */
  async measure(engine: Engine, meta: PartitionMeta): Promise<PartitionSize> {
    const nowMs = this.nowMs();
    const cached = this.entries.get(meta.partitionId);
    if (cached !== undefined && cached.epoch === meta.epoch && nowMs - cached.atMs < this.maxAgeMs)
      return cached.size;
    const size = await measurePartition(engine, meta);
    if (this.entries.size >= SIZES_CACHED_MAX) this.entries.clear();
    this.entries.set(meta.partitionId, { epoch: meta.epoch, atMs: nowMs, size });
    return size;
  }

  /** Forgets partitions that are not in `hosted` any more. */
  retain(hosted: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!hosted.has(id)) this.entries.delete(id);
  }
}

/** Partitions whose sizes are cached at most (a bound on memory). */
const SIZES_CACHED_MAX = 100_000;

/** Size, item count and key samples of one partition, from a bounded scan. */
export interface PartitionSize {
  readonly sizeBytes: number;
  readonly itemCount: number;
  /** Whether the scan stopped at its bound (the figures are then lower bounds). */
  readonly truncated: boolean;
  readonly samples: { hash: Uint8Array; weight: number }[];
}

/**
 * Scans at most `itemsMax` items of the partition; keeps about `samplesMax` hashes, each
 * weighted by the bytes between it and the previous sample.
 */
export async function measurePartition(
  engine: Engine,
  meta: PartitionMeta,
  itemsMax = 100_000,
  samplesMax = 32,
): Promise<PartitionSize> {
  const range = partitionRange(meta.tableId, meta.hashStart, meta.hashEnd);
  const prefixLength = tablePrefix(meta.tableId).length;
  const page = await engine.scan(
    { gte: range.start, lt: range.end },
    { itemsMax, bytesMax: 1 << 30 },
  );
  if (!page.ok) return { sizeBytes: 0, itemCount: 0, truncated: true, samples: [] };
  const entries = page.value.entries;
  const every = Math.max(1, Math.ceil(entries.length / samplesMax));
  const samples: { hash: Uint8Array; weight: number }[] = [];
  let sizeBytes = 0;
  let weight = 0;
  for (const [i, entry] of entries.entries()) {
    const bytes = entry.key.length + entry.value.length;
    sizeBytes += bytes;
    weight += bytes;
    if (i % every === every - 1 || i === entries.length - 1) {
      samples.push({ hash: entry.key.slice(prefixLength, prefixLength + hashBytes), weight });
      weight = 0;
    }
  }
  return { sizeBytes, itemCount: entries.length, truncated: page.value.truncated, samples };
}
