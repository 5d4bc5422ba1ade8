/**
 * Placement: where new replicas go, and the balance planner that proposes replica moves.
 *
 * Everything here is a pure function of the replicated state (and the configuration), so the
 * create-table command can place replicas inside `apply` and every replica of the control plane
 * places them identically. Ties are always broken by node id, never by iteration order.
 *
 * Rules:
 * - only `up` nodes receive replicas;
 * - the replicas of one partition are on distinct nodes and, as far as the up nodes' zone
 *   labels allow, in distinct zones (a node without a label is its own failure domain);
 * - among equally good nodes the one with the fewest replicas wins, then the fewest leaders.
 */
import { fail, ok } from './errors.js';
import type { Result } from './errors.js';
import type { ControlConfig } from './config.js';
import { leaderCountsByNode, lookup, replicaCountsByNode } from './state.js';
import type { ControlState, MoveReason, NodeRecord, PartitionRecord } from './state.js';

/** The replicas chosen for one new partition; the preferred first leader is listed first. */
export interface NewPartitionPlacement {
  readonly nodeIds: readonly string[];
  readonly leaderNodeId: string;
}

/** A move the planner proposes; it becomes a begin-move command. */
export interface PlannedMove {
  readonly partitionId: string;
  readonly fromNodeId: string | null;
  readonly toNodeId: string;
  readonly reason: MoveReason;
}

/** A leadership transfer the planner suggests to a partition's current leader. */
export interface PlannedLeaderTransfer {
  readonly partitionId: string;
  readonly fromNodeId: string;
  readonly toNodeId: string;
}

/** The failure domain of a node: its zone, or the node itself when it has no zone label. */
export function failureDomainOf(node: NodeRecord): string {
  return node.zone === null ? `node:${node.nodeId}` : `zone:${node.zone}`;
}

/** Nodes that may receive new replicas, by id. */
export function placeableNodes(state: ControlState): NodeRecord[] {
  return Object.values(state.nodes)
    .filter((node) => node.state === 'up')
    .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
}

/** True when a node's replicas must be moved elsewhere (it is being emptied or is gone). */
export function isEvacuating(node: NodeRecord): boolean {
  return (
    node.state === 'draining' ||
    node.state === 'decommissioned' ||
    (node.state === 'down' && node.replaceReplicas)
  );
}

/**
 * Picks the best target among `candidates` for a replica whose siblings sit in `usedDomains`:
 * a node in a new failure domain first, then the fewest replicas, then the fewest leaders.
 */
function pickTarget(
  candidates: readonly NodeRecord[],
  usedDomains: ReadonlySet<string>,
  replicaCounts: ReadonlyMap<string, number>,
  leaderCounts: ReadonlyMap<string, number>,
): NodeRecord | undefined {
  let best: NodeRecord | undefined;
  let bestKey: readonly number[] = [];
  for (const node of candidates) {
    const key = [
      usedDomains.has(failureDomainOf(node)) ? 1 : 0,
      replicaCounts.get(node.nodeId) ?? 0,
      leaderCounts.get(node.nodeId) ?? 0,
    ];
    if (best === undefined || lexicographicLess(key, bestKey)) {
      best = node;
      bestKey = key;
    }
  }
  return best;
}

function lexicographicLess(a: readonly number[], b: readonly number[]): boolean {
  for (let index = 0; index < a.length; index += 1) {
    if (a[index] !== b[index]) return (a[index] ?? 0) < (b[index] ?? 0);
  }
  return false;
}

/**
 * Places `partitionCount` new partitions with `config.replicationFactor` replicas each, spreading
 * replicas and leader hints across the up nodes. Fails when fewer nodes are up than the
 * replication factor: a partition with fewer voters could not survive one failure.
 */
export function placeNewPartitions(
  state: ControlState,
  partitionCount: number,
  config: ControlConfig,
): Result<NewPartitionPlacement[]> {
  const nodes = placeableNodes(state);
  if (nodes.length < config.replicationFactor) {
    return fail(
      'InsufficientNodes',
      `Cannot place replicas: ${nodes.length} storage nodes are up, the replication factor is ${config.replicationFactor}`,
    );
  }
  const replicaCounts = replicaCountsByNode(state);
  const leaderCounts = leaderCountsByNode(state);
  const placements: NewPartitionPlacement[] = [];
  for (let index = 0; index < partitionCount; index += 1) {
    const chosen: NodeRecord[] = [];
    const domains = new Set<string>();
    for (let replica = 0; replica < config.replicationFactor; replica += 1) {
      const candidates = nodes.filter((node) => !chosen.includes(node));
      const target = pickTarget(candidates, domains, replicaCounts, leaderCounts);
      if (target === undefined) break;
      chosen.push(target);
      domains.add(failureDomainOf(target));
      replicaCounts.set(target.nodeId, (replicaCounts.get(target.nodeId) ?? 0) + 1);
    }
    const leader = [...chosen].sort(
      (a, b) =>
        (leaderCounts.get(a.nodeId) ?? 0) - (leaderCounts.get(b.nodeId) ?? 0) ||
        (a.nodeId < b.nodeId ? -1 : 1),
    )[0];
    if (leader === undefined) return fail('InsufficientNodes', 'no node could be chosen');
    leaderCounts.set(leader.nodeId, (leaderCounts.get(leader.nodeId) ?? 0) + 1);
    // The preferred leader goes first: a new group's first voter campaigns first (see README).
    const ordered = [leader, ...chosen.filter((node) => node !== leader)];
    placements.push({ nodeIds: ordered.map((node) => node.nodeId), leaderNodeId: leader.nodeId });
  }
  return ok(placements);
}

/** Replica counts as they will be once every move in flight has finished. */
function projectedReplicaCounts(state: ControlState): Map<string, number> {
  const counts = replicaCountsByNode(state);
  for (const move of Object.values(state.moves)) {
    const partition = lookup(state.partitions, move.partitionId);
    const hasLearner = partition?.replicas.some((r) => r.nodeId === move.toNodeId) ?? false;
    if (!hasLearner) counts.set(move.toNodeId, (counts.get(move.toNodeId) ?? 0) + 1);
    if (move.fromNodeId !== null) {
      counts.set(move.fromNodeId, (counts.get(move.fromNodeId) ?? 0) - 1);
    }
  }
  return counts;
}

/** Tracks how many more moves the bounds allow, globally and per node. */
class MoveBudget {
  private remaining: number;
  private readonly perNode = new Map<string, number>();

  constructor(
    state: ControlState,
    private readonly config: ControlConfig,
  ) {
    const moves = Object.values(state.moves);
    this.remaining = config.movesInFlightMax - moves.length;
    for (const move of moves) this.count(state, move.toNodeId, move.fromNodeId);
  }

  private count(state: ControlState, toNodeId: string, fromNodeId: string | null): void {
    this.perNode.set(toNodeId, (this.perNode.get(toNodeId) ?? 0) + 1);
    // A dead source does no work in a move (the leader streams the data), so it is not charged.
    if (fromNodeId !== null && lookup(state.nodes, fromNodeId)?.state !== 'down') {
      this.perNode.set(fromNodeId, (this.perNode.get(fromNodeId) ?? 0) + 1);
    }
  }

  get exhausted(): boolean {
    return this.remaining <= 0;
  }

  allows(state: ControlState, toNodeId: string, fromNodeId: string | null): boolean {
    if (this.remaining <= 0) return false;
    if ((this.perNode.get(toNodeId) ?? 0) >= this.config.movesPerNodeMax) return false;
    const sourceDown = fromNodeId === null || lookup(state.nodes, fromNodeId)?.state === 'down';
    return sourceDown || (this.perNode.get(fromNodeId) ?? 0) < this.config.movesPerNodeMax;
  }

  take(state: ControlState, toNodeId: string, fromNodeId: string | null): void {
    this.remaining -= 1;
    this.count(state, toNodeId, fromNodeId);
  }
}

/** Partitions the planner may touch: no move in flight, table not being deleted, in id order. */
function movablePartitions(state: ControlState): PartitionRecord[] {
  const moving = new Set(Object.values(state.moves).map((move) => move.partitionId));
  return Object.values(state.partitions)
    .filter((p) => !moving.has(p.partitionId))
    .filter((p) => lookup(state.tables, p.tableId)?.status !== 'DELETING')
    .sort((a, b) => (a.partitionId < b.partitionId ? -1 : 1));
}

/** Failure domains of a partition's replicas, leaving out `exceptNodeId`. */
function domainsOf(state: ControlState, partition: PartitionRecord, exceptNodeId: string | null) {
  const domains = new Set<string>();
  for (const replica of partition.replicas) {
    const node = lookup(state.nodes, replica.nodeId);
    if (node !== undefined && replica.nodeId !== exceptNodeId) domains.add(failureDomainOf(node));
  }
  return domains;
}

/**
 * Proposes at most `movesInFlightMax − moves in flight` moves, in priority order:
 * 1. evacuate replicas from draining, decommissioned and replaceable down nodes, and replicas
 *    their nodes report stopped (`stopped`: `nodeId/partitionId` keys, a leader's soft state);
 * 2. restore partitions that have fewer voters than the replication factor;
 * 3. rebalance replica counts across up nodes while the spread exceeds `replicaSpreadMax`.
 * The same state always yields the same plan.
 */
export function planMoves(
  state: ControlState,
  config: ControlConfig,
  stopped: ReadonlySet<string> = new Set(),
): PlannedMove[] {
  const budget = new MoveBudget(state, config);
  const planned: PlannedMove[] = [];
  const counts = projectedReplicaCounts(state);
  const leaderCounts = leaderCountsByNode(state);
  const targets = placeableNodes(state);
  const touched = new Set<string>();
  const propose = (move: PlannedMove): void => {
    planned.push(move);
    touched.add(move.partitionId);
    budget.take(state, move.toNodeId, move.fromNodeId);
    counts.set(move.toNodeId, (counts.get(move.toNodeId) ?? 0) + 1);
    if (move.fromNodeId !== null) {
      counts.set(move.fromNodeId, (counts.get(move.fromNodeId) ?? 0) - 1);
    }
  };
  for (const partition of movablePartitions(state)) {
    if (budget.exhausted) return planned;
    const repair = planRepair(state, partition, config, stopped);
    if (repair === null) continue;
    const holders = new Set(partition.replicas.map((r) => r.nodeId));
    const candidates = targets.filter(
      (node) => !holders.has(node.nodeId) && budget.allows(state, node.nodeId, repair.fromNodeId),
    );
    const usedDomains = domainsOf(state, partition, repair.fromNodeId);
    const target = pickTarget(candidates, usedDomains, counts, leaderCounts);
    if (target !== undefined) propose({ ...repair, toNodeId: target.nodeId });
  }
  planRebalance(state, config, budget, counts, touched, propose);
  return planned;
}

/** What a partition needs repaired, if anything (without a target yet). */
function planRepair(
  state: ControlState,
  partition: PartitionRecord,
  config: ControlConfig,
  stopped: ReadonlySet<string>,
): Omit<PlannedMove, 'toNodeId'> | null {
  const replicas = [...partition.replicas].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  for (const replica of replicas) {
    const node = lookup(state.nodes, replica.nodeId);
    if (node === undefined || !isEvacuating(node)) continue;
    const reason: MoveReason = node.state === 'draining' ? 'drain' : 'replace';
    return { partitionId: partition.partitionId, fromNodeId: replica.nodeId, reason };
  }
  for (const replica of replicas) {
    if (replica.role !== 'voter' || !stopped.has(`${replica.nodeId}/${partition.partitionId}`))
      continue;
    return { partitionId: partition.partitionId, fromNodeId: replica.nodeId, reason: 'repair' };
  }
  const voters = partition.replicas.filter((r) => r.role === 'voter').length;
  if (voters < config.replicationFactor) {
    return { partitionId: partition.partitionId, fromNodeId: null, reason: 'repair' };
  }
  return null;
}

function planRebalance(
  state: ControlState,
  config: ControlConfig,
  budget: MoveBudget,
  counts: Map<string, number>,
  touched: Set<string>,
  propose: (move: PlannedMove) => void,
): void {
  const nodes = placeableNodes(state);
  // Each round moves one replica from a fuller to an emptier node whose counts differ by more
  // than the tolerated spread, trying the fullest sources and emptiest targets first. Zone
  // rules can forbid the extreme pair (every partition on the fullest node may already have a
  // replica in the emptiest node's zone), so other pairs are tried before giving up. Every
  // accepted move lowers the sum of squared counts, so repeated planning reaches a fixed point.
  for (let round = 0; round < config.movesInFlightMax && !budget.exhausted; round += 1) {
    const move = findRebalanceMove(state, config, budget, counts, touched, nodes);
    if (move === null) return;
    propose(move);
  }
}

function findRebalanceMove(
  state: ControlState,
  config: ControlConfig,
  budget: MoveBudget,
  counts: ReadonlyMap<string, number>,
  touched: ReadonlySet<string>,
  nodes: readonly NodeRecord[],
): PlannedMove | null {
  const count = (node: NodeRecord) => counts.get(node.nodeId) ?? 0;
  const ascending = [...nodes].sort(
    (a, b) => count(a) - count(b) || (a.nodeId < b.nodeId ? -1 : 1),
  );
  for (const from of [...ascending].reverse()) {
    for (const to of ascending) {
      if (count(from) - count(to) <= config.replicaSpreadMax) break;
      if (!budget.allows(state, to.nodeId, from.nodeId)) continue;
      const partition = pickRebalanceCandidate(state, from, to, touched);
      if (partition === undefined) continue;
      return {
        partitionId: partition.partitionId,
        fromNodeId: from.nodeId,
        toNodeId: to.nodeId,
        reason: 'rebalance',
      };
    }
  }
  return null;
}

/** Bytes hosted per node id, from the partitions' last reported sizes. */
function bytesByNode(state: ControlState): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const partition of Object.values(state.partitions)) {
    for (const replica of partition.replicas) {
      bytes.set(replica.nodeId, (bytes.get(replica.nodeId) ?? 0) + partition.sizeBytes);
    }
  }
  return bytes;
}

/**
 * The partition to move from `from` to `to`: healthy (every replica on an up node), not yet
 * touched in this plan, not already on `to`, and not worsening zone spread. Counts decide
 * that a replica moves; bytes decide which one: the partition whose size is closest to half
 * the byte gap between the two nodes, so that data evens out along with replica counts (and
 * when `to` already holds more bytes, that is the smallest partition, the cheapest to copy).
 */
function pickRebalanceCandidate(
  state: ControlState,
  from: NodeRecord,
  to: NodeRecord,
  touched: ReadonlySet<string>,
): PartitionRecord | undefined {
  const candidates = movablePartitions(state).filter((partition) => {
    if (touched.has(partition.partitionId)) return false;
    const holders = partition.replicas.map((r) => r.nodeId);
    if (!holders.includes(from.nodeId) || holders.includes(to.nodeId)) return false;
    if (holders.some((id) => lookup(state.nodes, id)?.state !== 'up')) return false;
    const domains = domainsOf(state, partition, from.nodeId);
    return !domains.has(failureDomainOf(to)) || failureDomainOf(to) === failureDomainOf(from);
  });
  const bytes = bytesByNode(state);
  const idealBytes = Math.max(0, ((bytes.get(from.nodeId) ?? 0) - (bytes.get(to.nodeId) ?? 0)) / 2);
  const distance = (p: PartitionRecord) => Math.abs(p.sizeBytes - idealBytes);
  return candidates.sort(
    (a, b) => distance(a) - distance(b) || (a.partitionId < b.partitionId ? -1 : 1),
  )[0];
}

/**
 * Suggests at most `limit` leadership transfers: away from nodes that are not up (draining
 * nodes first of all, so that removing them never costs an election), then from the busiest
 * leader to the idlest voter while the spread exceeds `leaderSpreadMax`.
 */
export function planLeaderTransfers(
  state: ControlState,
  config: ControlConfig,
  limit: number,
): PlannedLeaderTransfer[] {
  const counts = leaderCountsByNode(state);
  const transfers: PlannedLeaderTransfer[] = [];
  const partitions = Object.values(state.partitions)
    .filter((p) => p.leaderNodeId !== null)
    .sort((a, b) => (a.partitionId < b.partitionId ? -1 : 1));
  const isUp = (nodeId: string) => lookup(state.nodes, nodeId)?.state === 'up';
  for (const partition of partitions) {
    if (transfers.length >= limit) return transfers;
    const leader = partition.leaderNodeId as string;
    const voters = partition.replicas.filter((r) => r.role === 'voter' && r.nodeId !== leader);
    const upVoters = voters.map((r) => r.nodeId).filter(isUp);
    const idlest = upVoters.sort(
      (a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || (a < b ? -1 : 1),
    )[0];
    if (idlest === undefined) continue;
    const leaderCount = counts.get(leader) ?? 0;
    const imbalanced = leaderCount - (counts.get(idlest) ?? 0) > config.leaderSpreadMax;
    if (isUp(leader) && !imbalanced) continue;
    transfers.push({ partitionId: partition.partitionId, fromNodeId: leader, toNodeId: idlest });
    counts.set(leader, leaderCount - 1);
    counts.set(idlest, (counts.get(idlest) ?? 0) + 1);
  }
  return transfers;
}
