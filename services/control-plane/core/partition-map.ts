/**
 * The partition map routers cache, and the change feed that keeps them current.
 *
 * A watcher gets a consistent snapshot when it subscribes and then every change, each tagged
 * with the state's `mapEpoch`, which only grows. A router that reconnects says which epoch it
 * has; if the feed still holds the changes since then it gets only those, otherwise a snapshot.
 * The feed is leader-local soft state built from the replicated state after each apply; a new
 * leader starts with a fresh feed and answers every subscriber with a snapshot.
 */
import { assert } from './errors.js';
import type { HashEnd, HashHex } from './hash-space.js';
import type {
  ControlState,
  KeySchemaElement,
  NodeState,
  ReplicaRecord,
  TableStatus,
} from './state.js';

/** A table as routers see it. */
export interface MapTable {
  readonly tableId: string;
  readonly tableName: string;
  readonly status: TableStatus;
  readonly keySchema: readonly KeySchemaElement[];
}

/** A partition as routers see it. */
export interface MapPartition {
  readonly partitionId: string;
  readonly tableId: string;
  readonly start: HashHex;
  readonly end: HashEnd;
  readonly epoch: number;
  readonly replicas: readonly ReplicaRecord[];
  readonly leaderNodeId: string | null;
}

/** A storage node as routers see it. */
export interface MapNode {
  readonly nodeId: string;
  readonly address: string;
  readonly state: NodeState;
}

/** A consistent view of the whole map at one epoch. */
export interface PartitionMapSnapshot {
  readonly epoch: number;
  readonly tables: readonly MapTable[];
  readonly partitions: readonly MapPartition[];
  readonly nodes: readonly MapNode[];
}

/** What changed between two epochs. Upserts replace whole records. */
export interface PartitionMapChange {
  readonly fromEpoch: number;
  readonly epoch: number;
  readonly upsertTables: readonly MapTable[];
  readonly removedTableIds: readonly string[];
  readonly upsertPartitions: readonly MapPartition[];
  readonly removedPartitionIds: readonly string[];
  readonly upsertNodes: readonly MapNode[];
  readonly removedNodeIds: readonly string[];
}

const byKey =
  <T>(key: (value: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** Builds the snapshot routers see of `state`. Decommissioned nodes are left out. */
export function buildPartitionMap(state: ControlState): PartitionMapSnapshot {
  return {
    epoch: state.mapEpoch,
    tables: Object.values(state.tables)
      .map(({ tableId, tableName, status, keySchema }) => ({
        tableId,
        tableName,
        status,
        keySchema,
      }))
      .sort(byKey((t) => t.tableId)),
    partitions: Object.values(state.partitions)
      .map(({ partitionId, tableId, start, end, epoch, replicas, leaderNodeId }) => ({
        partitionId,
        tableId,
        start,
        end,
        epoch,
        replicas,
        leaderNodeId,
      }))
      .sort(byKey((p) => p.partitionId)),
    nodes: Object.values(state.nodes)
      .filter((node) => node.state !== 'decommissioned')
      .map(({ nodeId, address, state: nodeState }) => ({ nodeId, address, state: nodeState }))
      .sort(byKey((n) => n.nodeId)),
  };
}

function diffRecords<T>(
  previous: readonly T[],
  next: readonly T[],
  key: (value: T) => string,
): { upserts: T[]; removed: string[] } {
  const before = new Map(previous.map((value) => [key(value), JSON.stringify(value)]));
  const after = new Set(next.map(key));
  const upserts = next.filter((value) => before.get(key(value)) !== JSON.stringify(value));
  const removed = [...before.keys()].filter((id) => !after.has(id)).sort();
  return { upserts, removed };
}

/** The change that turns `previous` into `next`. */
export function diffPartitionMaps(
  previous: PartitionMapSnapshot,
  next: PartitionMapSnapshot,
): PartitionMapChange {
  assert(
    next.epoch >= previous.epoch,
    `map epoch went back from ${previous.epoch} to ${next.epoch}`,
  );
  const tables = diffRecords(previous.tables, next.tables, (t) => t.tableId);
  const partitions = diffRecords(previous.partitions, next.partitions, (p) => p.partitionId);
  const nodes = diffRecords(previous.nodes, next.nodes, (n) => n.nodeId);
  return {
    fromEpoch: previous.epoch,
    epoch: next.epoch,
    upsertTables: tables.upserts,
    removedTableIds: tables.removed,
    upsertPartitions: partitions.upserts,
    removedPartitionIds: partitions.removed,
    upsertNodes: nodes.upserts,
    removedNodeIds: nodes.removed,
  };
}

function patchRecords<T>(
  records: readonly T[],
  upserts: readonly T[],
  removed: readonly string[],
  key: (value: T) => string,
): T[] {
  const byId = new Map(records.map((value) => [key(value), value]));
  for (const id of removed) byId.delete(id);
  for (const value of upserts) byId.set(key(value), value);
  return [...byId.values()].sort(byKey(key));
}

/** Applies a change to a snapshot, as a router does (the change must start at its epoch). */
export function applyPartitionMapChange(
  snapshot: PartitionMapSnapshot,
  change: PartitionMapChange,
): PartitionMapSnapshot {
  assert(
    change.fromEpoch === snapshot.epoch,
    `change from ${change.fromEpoch} applied to ${snapshot.epoch}`,
  );
  return {
    epoch: change.epoch,
    tables: patchRecords(
      snapshot.tables,
      change.upsertTables,
      change.removedTableIds,
      (t) => t.tableId,
    ),
    partitions: patchRecords(
      snapshot.partitions,
      change.upsertPartitions,
      change.removedPartitionIds,
      (p) => p.partitionId,
    ),
    nodes: patchRecords(snapshot.nodes, change.upsertNodes, change.removedNodeIds, (n) => n.nodeId),
  };
}

/** What a subscriber receives first. */
export type Subscription =
  | { readonly kind: 'snapshot'; readonly snapshot: PartitionMapSnapshot }
  | { readonly kind: 'changes'; readonly changes: readonly PartitionMapChange[] };

/** Keeps the current snapshot and a bounded history of changes for resuming watchers. */
export class PartitionMapFeed {
  private current: PartitionMapSnapshot;
  private readonly history: PartitionMapChange[] = [];

  constructor(
    state: ControlState,
    private readonly historyMax = 1_024,
  ) {
    assert(historyMax >= 1, 'historyMax must be at least 1');
    this.current = buildPartitionMap(state);
  }

  /** The latest snapshot. */
  get snapshot(): PartitionMapSnapshot {
    return this.current;
  }

  /**
   * Publishes the map of a newly applied state. Returns the change to push to watchers, or null
   * when the epoch did not move. The epoch never goes back: that would be a bug in the caller.
   */
  publish(state: ControlState): PartitionMapChange | null {
    assert(state.mapEpoch >= this.current.epoch, `map epoch went back to ${state.mapEpoch}`);
    if (state.mapEpoch === this.current.epoch) return null;
    const next = buildPartitionMap(state);
    const change = diffPartitionMaps(this.current, next);
    this.current = next;
    this.history.push(change);
    if (this.history.length > this.historyMax) this.history.shift();
    return change;
  }

  /**
   * What a watcher that already has `knownEpoch` (or nothing) must receive first: the changes
   * since its epoch when the history still covers them, otherwise a full snapshot.
   */
  subscribe(knownEpoch?: number): Subscription {
    if (knownEpoch === undefined || knownEpoch > this.current.epoch) {
      return { kind: 'snapshot', snapshot: this.current };
    }
    if (knownEpoch === this.current.epoch) return { kind: 'changes', changes: [] };
    const first = this.history.findIndex((change) => change.fromEpoch === knownEpoch);
    if (first === -1) return { kind: 'snapshot', snapshot: this.current };
    return { kind: 'changes', changes: this.history.slice(first) };
  }
}
