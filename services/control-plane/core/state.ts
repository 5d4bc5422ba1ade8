/**
 * The replicated state of the control plane and its serialisation.
 *
 * The state is a plain, immutable JSON value: commands return a new state and share every part
 * they did not touch. Records are keyed by id in plain objects; nothing depends on key order
 * except serialisation, which sorts keys, so two replicas that applied the same log produce the
 * same bytes. Time inside the state always comes from commands (the proposer stamps `nowMs`).
 */
import { assert, fail, ok } from './errors.js';
import type { Result } from './errors.js';
import { isHashHex } from './hash-space.js';
import type { HashEnd, HashHex } from './hash-space.js';

/** DynamoDB's table statuses (Tessera never reports the archival ones). */
export type TableStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';

/** DynamoDB's billing modes. */
export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';

/** A key attribute's scalar type. */
export type ScalarAttributeType = 'S' | 'N' | 'B';

/** DynamoDB's AttributeDefinition, as the API spells it. */
export interface AttributeDefinition {
  readonly AttributeName: string;
  readonly AttributeType: ScalarAttributeType;
}

/** DynamoDB's KeySchemaElement, as the API spells it. */
export interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

/** DynamoDB's Tag, as the API spells it. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** Provisioned throughput and its change history. */
export interface ThroughputRecord {
  readonly readCapacityUnits: number;
  readonly writeCapacityUnits: number;
  readonly lastIncreaseMs: number | null;
  readonly lastDecreaseMs: number | null;
  readonly decreasesToday: number;
}

/** One table of the catalog. */
export interface TableRecord {
  readonly tableId: string;
  readonly tableName: string;
  readonly status: TableStatus;
  readonly keySchema: readonly KeySchemaElement[];
  readonly attributeDefinitions: readonly AttributeDefinition[];
  readonly billingMode: BillingMode;
  readonly throughput: ThroughputRecord;
  readonly tags: readonly Tag[];
  readonly createdMs: number;
  readonly lastUpdateToPayPerRequestMs: number | null;
}

/** A replica's role in its partition's Raft group. */
export type ReplicaRole = 'voter' | 'learner';

/** One replica of a partition. */
export interface ReplicaRecord {
  readonly nodeId: string;
  readonly role: ReplicaRole;
}

/** One partition: a contiguous range [start, end) of a table's hash space. */
export interface PartitionRecord {
  readonly partitionId: string;
  readonly tableId: string;
  readonly start: HashHex;
  readonly end: HashEnd;
  /**
   * The range epoch: bumped on every split, never on replica-set changes (those bump the map's
   * epoch only). The storage node counts the same way — its epoch changes only when a split
   * applies — so a router addressing a partition with this epoch matches the replica's.
   */
  readonly epoch: number;
  readonly replicas: readonly ReplicaRecord[];
  /** The last leader a storage node reported, with the Raft term it reported. */
  readonly leaderNodeId: string | null;
  readonly leaderTerm: number;
  /** Last reported size and item count (approximate, as DynamoDB's are). */
  readonly sizeBytes: number;
  readonly itemCount: number;
}

/** A storage node's membership state. */
export type NodeState = 'joining' | 'up' | 'suspect' | 'down' | 'draining' | 'decommissioned';

/** One storage node. */
export interface NodeRecord {
  readonly nodeId: string;
  readonly address: string;
  /** Failure-domain label (availability zone); null when the node has none. */
  readonly zone: string | null;
  readonly state: NodeState;
  readonly stateSinceMs: number;
  readonly registeredMs: number;
  /** Set once a down node's grace period is over: its replicas are to be rebuilt elsewhere. */
  readonly replaceReplicas: boolean;
}

/** Steps of a replica move; see moves.ts. */
export type MovePhase = 'adding-learner' | 'catching-up' | 'promoting' | 'removing';

/** Why a move was started. */
export type MoveReason = 'drain' | 'replace' | 'repair' | 'rebalance';

/** A replica move in flight: add a learner on `toNodeId`, then retire `fromNodeId`. */
export interface MoveRecord {
  readonly moveId: string;
  readonly partitionId: string;
  /** The replica to retire; null when the move only restores a missing replica. */
  readonly fromNodeId: string | null;
  readonly toNodeId: string;
  readonly phase: MovePhase;
  readonly reason: MoveReason;
  readonly startedMs: number;
  readonly phaseSinceMs: number;
}

/** The whole replicated state. */
export interface ControlState {
  readonly formatVersion: 1;
  /** Bumped by every command that changes what a router's partition map shows. */
  readonly mapEpoch: number;
  readonly nextPartitionNumber: number;
  readonly nextMoveNumber: number;
  readonly tables: Readonly<Record<string, TableRecord>>;
  readonly tableIdsByName: Readonly<Record<string, string>>;
  readonly partitions: Readonly<Record<string, PartitionRecord>>;
  readonly nodes: Readonly<Record<string, NodeRecord>>;
  readonly moves: Readonly<Record<string, MoveRecord>>;
}

/** The state of a fresh cluster. */
export function createInitialState(): ControlState {
  return {
    formatVersion: 1,
    mapEpoch: 0,
    nextPartitionNumber: 1,
    nextMoveNumber: 1,
    tables: {},
    tableIdsByName: {},
    partitions: {},
    nodes: {},
    moves: {},
  };
}

/** Returns `record` with `key` set to `value` (a new object; the input is untouched). */
export function withEntry<T>(
  record: Readonly<Record<string, T>>,
  key: string,
  value: T,
): Record<string, T> {
  return { ...record, [key]: value };
}

/** Returns `record` without `key` (a new object; the input is untouched). */
export function withoutEntry<T>(
  record: Readonly<Record<string, T>>,
  key: string,
): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/** The table named `tableName`, if any. */
export function findTableByName(state: ControlState, tableName: string): TableRecord | undefined {
  const tableId = Object.hasOwn(state.tableIdsByName, tableName)
    ? state.tableIdsByName[tableName]
    : undefined;
  return tableId === undefined ? undefined : state.tables[tableId];
}

/** Looks a record up by id without being fooled by inherited properties such as `toString`. */
export function lookup<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A table's partitions in hash order. */
export function partitionsOfTable(state: ControlState, tableId: string): PartitionRecord[] {
  return Object.values(state.partitions)
    .filter((partition) => partition.tableId === tableId)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** The move in flight for a partition, if any (at most one exists). */
export function moveOfPartition(state: ControlState, partitionId: string): MoveRecord | undefined {
  return Object.values(state.moves).find((move) => move.partitionId === partitionId);
}

/** The voters of a partition. */
export function votersOf(partition: PartitionRecord): string[] {
  return partition.replicas.filter((r) => r.role === 'voter').map((r) => r.nodeId);
}

/** Replicas hosted per node id (every registered node appears, possibly with zero). */
export function replicaCountsByNode(state: ControlState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const nodeId of Object.keys(state.nodes).sort()) counts.set(nodeId, 0);
  for (const partition of Object.values(state.partitions)) {
    for (const replica of partition.replicas) {
      counts.set(replica.nodeId, (counts.get(replica.nodeId) ?? 0) + 1);
    }
  }
  return counts;
}

/** Leader hints per node id (every registered node appears, possibly with zero). */
export function leaderCountsByNode(state: ControlState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const nodeId of Object.keys(state.nodes).sort()) counts.set(nodeId, 0);
  for (const partition of Object.values(state.partitions)) {
    if (partition.leaderNodeId === null) continue;
    counts.set(partition.leaderNodeId, (counts.get(partition.leaderNodeId) ?? 0) + 1);
  }
  return counts;
}

/** Serialises a value as JSON with object keys sorted, so equal states give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) {
      sorted[key] = (inner as Record<string, unknown>)[key];
    }
    return sorted;
  });
}

/** Encodes a state snapshot (for Raft snapshots) as canonical UTF-8 JSON. */
export function encodeState(state: ControlState): Uint8Array {
  return new TextEncoder().encode(canonicalJson(state));
}

/** Decodes a snapshot written by {@link encodeState}, checking its shape. */
export function decodeState(bytes: Uint8Array): Result<ControlState> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error: unknown) {
    return fail('MalformedCommand', `state snapshot is not JSON: ${String(error)}`);
  }
  const problem = stateShapeProblem(parsed);
  return problem === null ? ok(parsed as ControlState) : fail('MalformedCommand', problem);
}

function stateShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'state snapshot is not an object';
  const state = value as Record<string, unknown>;
  if (state.formatVersion !== 1) return `unknown state format ${String(state.formatVersion)}`;
  for (const field of ['mapEpoch', 'nextPartitionNumber', 'nextMoveNumber']) {
    if (!Number.isSafeInteger(state[field])) return `state.${field} is not an integer`;
  }
  for (const field of ['tables', 'tableIdsByName', 'partitions', 'nodes', 'moves']) {
    const inner = state[field];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
      return `state.${field} is not an object`;
    }
  }
  for (const partition of Object.values(state.partitions as Record<string, PartitionRecord>)) {
    if (!isHashHex(partition.start) || !(partition.end === null || isHashHex(partition.end))) {
      return `partition ${partition.partitionId} has malformed bounds`;
    }
  }
  return null;
}

/** Checks a condition that must hold of every state a command produces (used by tests too). */
export function assertStateWellFormed(state: ControlState): void {
  for (const [name, tableId] of Object.entries(state.tableIdsByName)) {
    assert(lookup(state.tables, tableId)?.tableName === name, `name index broken for ${name}`);
  }
  for (const partition of Object.values(state.partitions)) {
    assert(lookup(state.tables, partition.tableId) !== undefined, 'partition of unknown table');
    const nodeIds = partition.replicas.map((r) => r.nodeId);
    assert(
      new Set(nodeIds).size === nodeIds.length,
      `duplicate replica in ${partition.partitionId}`,
    );
  }
}
