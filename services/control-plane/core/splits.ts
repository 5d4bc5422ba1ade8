/**
 * Split decisions and split-point selection.
 *
 * Storage leaders report, besides size and request rate, a bounded sample of the key hashes
 * they have seen, each with a weight (bytes stored under that key, or request units it served).
 * A partition splits by size when it is larger than `splitSizeBytes`, and by request rate when it
 * has served more than `splitRequestUnitsPerSecond` for `splitHotSustainedMs`. The split point is
 * the weighted median of the samples — bytes for a size split, request units for a rate split —
 * so that each half gets about half of what made the partition too big or too hot. Because the
 * split point is one of the observed hashes, all items of one partition key stay together, and
 * because it is strictly greater than the smallest sampled hash it is never a range boundary.
 *
 * The decision is leader-local: it reads soft state (reports, hot-since times) and proposes a
 * split to the partition's Raft group; the control plane's split-partition command records the
 * split once the group has applied it.
 */
import { createHash } from 'node:crypto';
import type { ControlConfig } from './config.js';
import { fail, ok } from './errors.js';
import type { Result } from './errors.js';
import { isHashHex } from './hash-space.js';
import type { HashEnd, HashHex } from './hash-space.js';
import { lookup } from './state.js';
import type { ControlState, PartitionRecord } from './state.js';

/**
 * The id of the child partition a split of `parentId` at its new epoch `newEpoch` creates. Both
 * the storage group (which splits first) and the control plane (which records the split after)
 * derive it, so a control-plane leader that crashed in between, or its successor, records the
 * same id the storage nodes already use. Fixed length, however deep the lineage.
 */
export function splitChildId(parentId: string, newEpoch: number): string {
  const digest = createHash('sha256').update(`${parentId}@${newEpoch}`).digest('hex');
  return `p-${digest.slice(0, 16)}`;
}

/** One sampled key hash and its weight (bytes or request units). */
export interface KeySample {
  readonly hash: HashHex;
  readonly weight: number;
}

/** What a partition's leader reports about its load. */
export interface PartitionLoadReport {
  readonly partitionId: string;
  readonly epoch: number;
  readonly sizeBytes: number;
  readonly requestUnitsPerSecond: number;
  /** Key hashes weighted by the bytes stored under them. */
  readonly sizeSamples: readonly KeySample[];
  /** Key hashes weighted by the request units they served recently. */
  readonly requestSamples: readonly KeySample[];
}

/** Samples per report that are considered (a limit on work and memory). */
export const SPLIT_SAMPLES_MAX = 1_024;

/** A split point and how the weight divides at it. */
export interface SplitPoint {
  readonly splitHash: HashHex;
  /** Share of the sampled weight left of the split point. */
  readonly leftFraction: number;
}

/**
 * Chooses the weighted median of `samples` inside [start, end) as a split point. Fails when the
 * samples cannot divide the range: fewer than `samplesMin` samples, fewer than two distinct keys
 * (one key cannot be split), or no weight at all.
 */
export function chooseSplitPoint(
  start: HashHex,
  end: HashEnd,
  samples: readonly KeySample[],
  samplesMin: number,
): Result<SplitPoint> {
  const inRange = samples
    .slice(0, SPLIT_SAMPLES_MAX)
    .filter((s) => isHashHex(s.hash) && s.hash >= start && (end === null || s.hash < end))
    .filter((s) => Number.isFinite(s.weight) && s.weight >= 0);
  if (inRange.length < samplesMin) {
    return fail(
      'InvalidSplit',
      `${inRange.length} samples in range, at least ${samplesMin} needed`,
    );
  }
  const byHash = new Map<HashHex, number>();
  for (const sample of inRange)
    byHash.set(sample.hash, (byHash.get(sample.hash) ?? 0) + sample.weight);
  const keys = [...byHash.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (keys.length < 2)
    return fail('InvalidSplit', 'every sample has the same key; one key cannot be split');
  const total = keys.reduce((sum, [, weight]) => sum + weight, 0);
  if (total <= 0) return fail('InvalidSplit', 'the samples carry no weight');
  // Split before keys[index] for index in 1..n-1; pick the index whose left weight is closest
  // to half (the first such index on a tie, for determinism).
  let bestIndex = 1;
  let bestDistance = Number.POSITIVE_INFINITY;
  let left = 0;
  for (let index = 1; index < keys.length; index += 1) {
    left += keys[index - 1]?.[1] ?? 0;
    const distance = Math.abs(2 * left - total);
    if (distance < bestDistance) {
      bestDistance = distance;
      bestIndex = index;
    }
  }
  const leftWeight = keys.slice(0, bestIndex).reduce((sum, [, weight]) => sum + weight, 0);
  const splitHash = keys[bestIndex]?.[0] as HashHex;
  if (splitHash <= start) return fail('InvalidSplit', 'split point would equal the range start');
  return ok({ splitHash, leftFraction: leftWeight / total });
}

/** The verdict for one partition. */
export type SplitDecision =
  | { readonly split: false; readonly reason: string }
  | {
      readonly split: true;
      readonly cause: 'size' | 'request-rate';
      readonly partitionId: string;
      readonly expectedEpoch: number;
      readonly point: SplitPoint;
    };

/**
 * Decides whether `partition` should split now. `hotSinceMs` is when its request rate last rose
 * above the threshold (null if it is not hot); see {@link HotPartitionTracker}.
 */
export function decideSplit(
  partition: PartitionRecord,
  report: PartitionLoadReport,
  hotSinceMs: number | null,
  nowMs: number,
  config: ControlConfig,
): SplitDecision {
  if (report.partitionId !== partition.partitionId || report.epoch !== partition.epoch) {
    return { split: false, reason: 'the report is about an older epoch' };
  }
  const bySize = report.sizeBytes > config.splitSizeBytes;
  const byRate = hotSinceMs !== null && nowMs - hotSinceMs >= config.splitHotSustainedMs;
  if (!bySize && !byRate) return { split: false, reason: 'below thresholds' };
  const cause = bySize ? 'size' : 'request-rate';
  const samples = bySize ? report.sizeSamples : report.requestSamples;
  const point = chooseSplitPoint(partition.start, partition.end, samples, config.splitSamplesMin);
  if (!point.ok) return { split: false, reason: point.error.message };
  return {
    split: true,
    cause,
    partitionId: partition.partitionId,
    expectedEpoch: partition.epoch,
    point: point.value,
  };
}

/**
 * Remembers since when each partition has been hot (leader-local soft state). A partition is
 * hot while its reported rate exceeds `splitRequestUnitsPerSecond`; one cool report resets it,
 * so a brief burst never splits a partition.
 */
export class HotPartitionTracker {
  private readonly hotSinceMs = new Map<string, number>();

  /** Tracked partitions at most; the oldest entries are dropped beyond it. */
  static readonly TRACKED_MAX = 100_000;

  constructor(private readonly config: ControlConfig) {}

  /** Records a rate report and returns since when the partition has been hot, or null. */
  observe(partitionId: string, requestUnitsPerSecond: number, nowMs: number): number | null {
    if (requestUnitsPerSecond <= this.config.splitRequestUnitsPerSecond) {
      this.hotSinceMs.delete(partitionId);
      return null;
    }
    const since = this.hotSinceMs.get(partitionId);
    if (since !== undefined) return since;
    if (this.hotSinceMs.size >= HotPartitionTracker.TRACKED_MAX) {
      const oldest = this.hotSinceMs.keys().next();
      if (oldest.done !== true) this.hotSinceMs.delete(oldest.value);
    }
    this.hotSinceMs.set(partitionId, nowMs);
    return nowMs;
  }

  /** Forgets a partition (it split, or its table was dropped). */
  forget(partitionId: string): void {
    this.hotSinceMs.delete(partitionId);
  }
}

/**
 * Decides splits for a batch of load reports (in partition id order), at most `limit`. Partitions
 * with a move in flight, or whose table is not ACTIVE, are left alone: a split and a replica
 * change must not race on one Raft group.
 */
export function planSplits(
  state: ControlState,
  reports: readonly PartitionLoadReport[],
  tracker: HotPartitionTracker,
  nowMs: number,
  config: ControlConfig,
  limit: number,
): Extract<SplitDecision, { split: true }>[] {
  const moving = new Set(Object.values(state.moves).map((move) => move.partitionId));
  const decisions: Extract<SplitDecision, { split: true }>[] = [];
  const ordered = [...reports].sort((a, b) => (a.partitionId < b.partitionId ? -1 : 1));
  for (const report of ordered) {
    const partition = lookup(state.partitions, report.partitionId);
    if (partition === undefined) {
      tracker.forget(report.partitionId);
      continue;
    }
    const hotSinceMs = tracker.observe(report.partitionId, report.requestUnitsPerSecond, nowMs);
    if (decisions.length >= limit || moving.has(partition.partitionId)) continue;
    if (lookup(state.tables, partition.tableId)?.status !== 'ACTIVE') continue;
    const decision = decideSplit(partition, report, hotSinceMs, nowMs, config);
    if (decision.split) decisions.push(decision);
  }
  return decisions;
}
