// The router's cache of the partition map: which partition of which table owns which hash
// range, where its replicas are, and who leads it. The control plane streams it (a snapshot,
// then changes); epochs only grow, so an answer older than what the cache holds is ignored
// rather than allowed to move the map backwards.
//
// Pure: no I/O, no clock. The real backend feeds it from `WatchPartitionMap` and consults it
// for every request.

import type { KeySchema } from '../../../lib/dynamo/index.js';
import {
  hashInRange,
  hashMin,
  intersectRanges,
  segmentRange,
  type HashHex,
  type HashRange,
} from './hash-space.js';

/** One replica of a partition. */
export interface ReplicaEntry {
  readonly nodeId: string;
  readonly address: string;
  readonly learner: boolean;
}

/** One partition: its range of the hash space and its replication group. */
export interface PartitionEntry {
  readonly partitionId: string;
  readonly range: HashRange;
  readonly epoch: bigint;
  readonly replicas: readonly ReplicaEntry[];
  /** The leader as last known; empty when unknown. */
  readonly leaderNodeId: string;
}

/** A table as the router needs it. */
export interface TableEntry {
  readonly tableId: string;
  readonly tableName: string;
  readonly keySchema: KeySchema;
  /**
   * False when the map named the key attributes without their types (no attribute
   * definitions): `keySchema` then says 'S' provisionally and the types must come from the
   * catalog's DescribeTable.
   */
  readonly keyTypesKnown?: boolean;
  readonly tableStatus: string;
  /** Partitions in hash order, tiling the whole space. */
  readonly partitions: readonly PartitionEntry[];
}

/** One message of the watch: a full snapshot or the tables that changed. */
export interface PartitionMapUpdate {
  readonly epoch: bigint;
  readonly snapshot: boolean;
  readonly tables: readonly TableEntry[];
  readonly removedTableIds: readonly string[];
}

/** Why an update was not applied. */
export type ApplyRejection =
  | { readonly reason: 'stale-epoch'; readonly epoch: bigint; readonly cachedEpoch: bigint }
  | { readonly reason: 'no-snapshot-yet' }
  | { readonly reason: 'bad-partitions'; readonly tableName: string; readonly detail: string };

/** The outcome of applying an update. */
export type ApplyResult = { readonly ok: true } | ({ readonly ok: false } & ApplyRejection);

/** A partition and the part of a scan segment it serves. */
export interface SegmentPiece {
  readonly partition: PartitionEntry;
  readonly range: HashRange;
}

/** A table whose partitions must tile the space: sorted, contiguous, from 0 to the end. */
function checkTiling(table: TableEntry): string | undefined {
  // A table being deleted may have no partitions left; it is removed, not routed to.
  if (table.partitions.length === 0) return undefined;
  let expectedStart: HashHex | null = hashMin;
  for (const partition of table.partitions) {
    if (expectedStart === null) return `partition ${partition.partitionId} after the end`;
    if (partition.range.start !== expectedStart) {
      return `partition ${partition.partitionId} starts at ${partition.range.start}, expected ${expectedStart}`;
    }
    if (partition.range.end !== null && partition.range.end <= partition.range.start) {
      return `partition ${partition.partitionId} is empty`;
    }
    expectedStart = partition.range.end;
  }
  return expectedStart === null ? undefined : `the last partition ends at ${expectedStart}`;
}

/** The partition map cache. */
export class PartitionMapCache {
  private epochValue = 0n;
  private hasSnapshot = false;
  private readonly tablesByName = new Map<string, TableEntry>();
  private readonly namesById = new Map<string, string>();

  /** The epoch of the last applied update; 0 before the first snapshot. */
  get epoch(): bigint {
    return this.epochValue;
  }

  /** True once a snapshot has been applied: before that the router cannot route. */
  get ready(): boolean {
    return this.hasSnapshot;
  }

  /**
   * Applies a snapshot (replacing everything) or a change set. An update must carry a larger
   * epoch than the cache's — except a snapshot at the same epoch, which a reconnecting watch
   * may legitimately resend. A table whose partitions do not tile the space rejects the whole
   * update, so the cache never holds a map with holes.
   */
  apply(update: PartitionMapUpdate): ApplyResult {
    if (!update.snapshot && !this.hasSnapshot) return { ok: false, reason: 'no-snapshot-yet' };
    const fresh = update.snapshot
      ? update.epoch >= this.epochValue
      : update.epoch > this.epochValue;
    if (!fresh) {
      return {
        ok: false,
        reason: 'stale-epoch',
        epoch: update.epoch,
        cachedEpoch: this.epochValue,
      };
    }
    for (const table of update.tables) {
      const detail = checkTiling(table);
      if (detail !== undefined) {
        return { ok: false, reason: 'bad-partitions', tableName: table.tableName, detail };
      }
    }
    if (update.snapshot) {
      this.tablesByName.clear();
      this.namesById.clear();
    }
    for (const tableId of update.removedTableIds) this.removeTable(tableId);
    for (const table of update.tables) {
      this.removeTable(table.tableId);
      if (table.partitions.length === 0 && table.tableStatus === 'DELETED') continue;
      this.tablesByName.set(table.tableName, table);
      this.namesById.set(table.tableId, table.tableName);
    }
    this.epochValue = update.epoch;
    this.hasSnapshot = true;
    return { ok: true };
  }

  private removeTable(tableId: string): void {
    const name = this.namesById.get(tableId);
    if (name === undefined) return;
    this.namesById.delete(tableId);
    this.tablesByName.delete(name);
  }

  /** The table named `tableName`, if the map has it. */
  table(tableName: string): TableEntry | undefined {
    return this.tablesByName.get(tableName);
  }

  /** Every table name, sorted (ListTables can be answered from the map). */
  tableNames(): string[] {
    return [...this.tablesByName.keys()].sort();
  }

  /** The partition of `tableName` owning `hash`, by binary search over the sorted ranges. */
  findPartition(tableName: string, hash: HashHex): PartitionEntry | undefined {
    const partitions = this.tablesByName.get(tableName)?.partitions ?? [];
    let low = 0;
    let high = partitions.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const partition = partitions[middle] as PartitionEntry;
      if (hashInRange(hash, partition.range)) return partition;
      if (hash < partition.range.start) high = middle - 1;
      else low = middle + 1;
    }
    return undefined;
  }

  /**
   * The pieces of parallel-scan segment `index` of `total`: the segment's range
   * [index/total, (index+1)/total) intersected with each partition's range, in hash order.
   */
  segmentPieces(tableName: string, index: number, total: number): SegmentPiece[] {
    const segment = segmentRange(index, total);
    const pieces: SegmentPiece[] = [];
    for (const partition of this.tablesByName.get(tableName)?.partitions ?? []) {
      const range = intersectRanges(segment, partition.range);
      if (range !== undefined) pieces.push({ partition, range });
    }
    return pieces;
  }

  /** The partitions of `tableName` overlapping `range`, each with its overlap, in hash order. */
  rangePieces(tableName: string, range: HashRange): SegmentPiece[] {
    const pieces: SegmentPiece[] = [];
    for (const partition of this.tablesByName.get(tableName)?.partitions ?? []) {
      const overlap = intersectRanges(range, partition.range);
      if (overlap !== undefined) pieces.push({ partition, range: overlap });
    }
    return pieces;
  }

  /**
   * Records a leader hint from a storage node's NotLeader answer. It changes only the hint,
   * never ranges, so it needs no epoch; an unknown partition is ignored.
   */
  noteLeader(tableName: string, partitionId: string, leaderNodeId: string): void {
    const table = this.tablesByName.get(tableName);
    if (table === undefined) return;
    const partitions = table.partitions.map((partition) =>
      partition.partitionId === partitionId ? { ...partition, leaderNodeId } : partition,
    );
    this.tablesByName.set(tableName, { ...table, partitions });
  }
}
