/**
 * The admin API's views: cluster status, node detail and partition detail. Pure functions of the
 * replicated state, so any control-plane replica can answer them.
 */
import type { ControlConfig } from './config.js';
import { fail, ok } from './errors.js';
import type { Result } from './errors.js';
import { isEvacuating, placeableNodes } from './placement.js';
import { leaderCountsByNode, lookup, moveOfPartition, replicaCountsByNode } from './state.js';
import type {
  ControlState,
  MoveRecord,
  NodeRecord,
  NodeState,
  PartitionRecord,
  ReplicaRole,
} from './state.js';

/** One node in the cluster status. */
export interface NodeStatus {
  readonly nodeId: string;
  readonly address: string;
  readonly zone: string | null;
  readonly state: NodeState;
  readonly stateSinceMs: number;
  readonly replicaCount: number;
  readonly leaderCount: number;
  readonly replacingReplicas: boolean;
}

/** A partition with fewer healthy voters than the replication factor. */
export interface UnderReplicatedPartition {
  readonly partitionId: string;
  readonly tableName: string;
  readonly healthyVoters: number;
  readonly replicationFactor: number;
  /** Voters whose node is not serving (suspect, down, joining, decommissioned or unknown). */
  readonly unhealthyNodeIds: readonly string[];
}

/** The whole cluster at a glance. */
export interface ClusterStatus {
  readonly mapEpoch: number;
  readonly nodes: readonly NodeStatus[];
  readonly tableCount: number;
  readonly partitionCount: number;
  readonly underReplicated: readonly UnderReplicatedPartition[];
  readonly leaderlessPartitionIds: readonly string[];
  readonly leadersPerNode: Readonly<Record<string, number>>;
  readonly movesInFlight: readonly MoveRecord[];
  /** Nodes being emptied whose remaining replicas no up node can take (drain is stuck). */
  readonly blockedEvacuations: readonly string[];
}

const serving: ReadonlySet<NodeState> = new Set<NodeState>(['up', 'draining']);

function healthyVoters(
  state: ControlState,
  partition: PartitionRecord,
): { healthy: number; unhealthy: string[] } {
  let healthy = 0;
  const unhealthy: string[] = [];
  for (const replica of partition.replicas) {
    if (replica.role !== 'voter') continue;
    const node = lookup(state.nodes, replica.nodeId);
    if (node !== undefined && serving.has(node.state)) healthy += 1;
    else unhealthy.push(replica.nodeId);
  }
  return { healthy, unhealthy };
}

/** Builds the cluster status. */
export function clusterStatus(state: ControlState, config: ControlConfig): ClusterStatus {
  const replicas = replicaCountsByNode(state);
  const leaders = leaderCountsByNode(state);
  const nodes = Object.values(state.nodes)
    .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1))
    .map((node) => nodeStatus(node, replicas, leaders));
  const partitions = Object.values(state.partitions).sort((a, b) =>
    a.partitionId < b.partitionId ? -1 : 1,
  );
  const underReplicated: UnderReplicatedPartition[] = [];
  for (const partition of partitions) {
    const { healthy, unhealthy } = healthyVoters(state, partition);
    if (healthy >= config.replicationFactor) continue;
    underReplicated.push({
      partitionId: partition.partitionId,
      tableName: lookup(state.tables, partition.tableId)?.tableName ?? '',
      healthyVoters: healthy,
      replicationFactor: config.replicationFactor,
      unhealthyNodeIds: unhealthy,
    });
  }
  return {
    mapEpoch: state.mapEpoch,
    nodes,
    tableCount: Object.keys(state.tables).length,
    partitionCount: partitions.length,
    underReplicated,
    leaderlessPartitionIds: partitions
      .filter((p) => p.leaderNodeId === null)
      .map((p) => p.partitionId),
    leadersPerNode: Object.fromEntries(leaders),
    movesInFlight: Object.values(state.moves).sort((a, b) => (a.moveId < b.moveId ? -1 : 1)),
    blockedEvacuations: blockedEvacuations(state),
  };
}

function nodeStatus(
  node: NodeRecord,
  replicas: ReadonlyMap<string, number>,
  leaders: ReadonlyMap<string, number>,
): NodeStatus {
  return {
    nodeId: node.nodeId,
    address: node.address,
    zone: node.zone,
    state: node.state,
    stateSinceMs: node.stateSinceMs,
    replicaCount: replicas.get(node.nodeId) ?? 0,
    leaderCount: leaders.get(node.nodeId) ?? 0,
    replacingReplicas: node.replaceReplicas,
  };
}

/** Evacuating nodes holding a replica of a partition that no up node could take. */
function blockedEvacuations(state: ControlState): string[] {
  const up = placeableNodes(state).map((node) => node.nodeId);
  const blocked = new Set<string>();
  for (const partition of Object.values(state.partitions)) {
    const holders = new Set(partition.replicas.map((r) => r.nodeId));
    const canTake = up.some((nodeId) => !holders.has(nodeId));
    if (canTake) continue;
    for (const nodeId of holders) {
      const node = lookup(state.nodes, nodeId);
      if (node !== undefined && isEvacuating(node)) blocked.add(nodeId);
    }
  }
  return [...blocked].sort();
}

/** One replica a node hosts. */
export interface HostedReplica {
  readonly partitionId: string;
  readonly tableName: string;
  readonly role: ReplicaRole;
  readonly leader: boolean;
}

/** Everything about one node. */
export interface NodeDetail {
  readonly node: NodeStatus;
  readonly replicas: readonly HostedReplica[];
  readonly moves: readonly MoveRecord[];
}

/** Builds the detail view of one node. */
export function nodeDetail(state: ControlState, nodeId: string): Result<NodeDetail> {
  const node = lookup(state.nodes, nodeId);
  if (node === undefined) return fail('NodeNotFound', `node ${nodeId} is not registered`);
  const hosted: HostedReplica[] = [];
  for (const partition of Object.values(state.partitions)) {
    const replica = partition.replicas.find((r) => r.nodeId === nodeId);
    if (replica === undefined) continue;
    hosted.push({
      partitionId: partition.partitionId,
      tableName: lookup(state.tables, partition.tableId)?.tableName ?? '',
      role: replica.role,
      leader: partition.leaderNodeId === nodeId,
    });
  }
  hosted.sort((a, b) => (a.partitionId < b.partitionId ? -1 : 1));
  const moves = Object.values(state.moves)
    .filter((m) => m.toNodeId === nodeId || m.fromNodeId === nodeId)
    .sort((a, b) => (a.moveId < b.moveId ? -1 : 1));
  return ok({
    node: nodeStatus(node, replicaCountsByNode(state), leaderCountsByNode(state)),
    replicas: hosted,
    moves,
  });
}

/** Everything about one partition. */
export interface PartitionDetail {
  readonly partition: PartitionRecord;
  readonly tableName: string;
  readonly replicaNodes: readonly {
    readonly nodeId: string;
    readonly role: ReplicaRole;
    readonly nodeState: NodeState | 'unknown';
  }[];
  readonly move: MoveRecord | null;
}

/** Builds the detail view of one partition. */
export function partitionDetail(state: ControlState, partitionId: string): Result<PartitionDetail> {
  const partition = lookup(state.partitions, partitionId);
  if (partition === undefined)
    return fail('PartitionNotFound', `partition ${partitionId} not found`);
  return ok({
    partition,
    tableName: lookup(state.tables, partition.tableId)?.tableName ?? '',
    replicaNodes: partition.replicas.map((r) => ({
      nodeId: r.nodeId,
      role: r.role,
      nodeState: lookup(state.nodes, r.nodeId)?.state ?? 'unknown',
    })),
    move: moveOfPartition(state, partitionId) ?? null,
  });
}
