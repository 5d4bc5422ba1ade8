/**
 * The replica move state machine: add learner → catch up → promote → remove.
 *
 * Every step is its own command in the control plane's log, so the phase recorded in the
 * replicated state always says which step comes next; a control plane that crashes and restarts
 * (or a new leader) resumes from the state alone by re-issuing that step, and every step is
 * idempotent on the storage side (adding a learner that exists, promoting a voter, removing an
 * absent replica are no-ops).
 *
 * | phase            | replica set                      | the driver asks the partition leader to |
 * |------------------|----------------------------------|-----------------------------------------|
 * | `adding-learner` | unchanged                        | add `toNodeId` as a learner              |
 * | `catching-up`    | + `toNodeId` learner             | report when the learner has caught up    |
 * | `promoting`      | + `toNodeId` learner             | promote the learner to voter             |
 * | `removing`       | + `toNodeId` voter               | remove `fromNodeId` (if any)             |
 *
 * Rollback: until the learner is promoted the move can be aborted — the learner is removed and
 * the replica set is exactly what it was. From `removing` on, the new voter is already part of the
 * quorum and the only safe direction is forward: a move in `removing` is finished, never aborted.
 */
import type { MovePhase, MoveRecord, ControlState, NodeState, PartitionRecord } from './state.js';
import { lookup } from './state.js';

/** The phases in order. */
export const MOVE_PHASES: readonly MovePhase[] = [
  'adding-learner',
  'catching-up',
  'promoting',
  'removing',
];

/** What the driver must ask of the partition's leader to make the move progress. */
export type MoveStep =
  | { readonly kind: 'add-learner'; readonly partitionId: string; readonly nodeId: string }
  | { readonly kind: 'await-catch-up'; readonly partitionId: string; readonly nodeId: string }
  | { readonly kind: 'promote-learner'; readonly partitionId: string; readonly nodeId: string }
  | {
      readonly kind: 'remove-replica';
      readonly partitionId: string;
      readonly nodeId: string | null;
    };

/** The phase after `phase`, or `finished` after `removing`. */
export function nextPhase(phase: MovePhase): MovePhase | 'finished' {
  const index = MOVE_PHASES.indexOf(phase);
  return MOVE_PHASES[index + 1] ?? 'finished';
}

/** The step to (re)issue for a move in its current phase. */
export function stepOf(move: MoveRecord): MoveStep {
  const partitionId = move.partitionId;
  switch (move.phase) {
    case 'adding-learner':
      return { kind: 'add-learner', partitionId, nodeId: move.toNodeId };
    case 'catching-up':
      return { kind: 'await-catch-up', partitionId, nodeId: move.toNodeId };
    case 'promoting':
      return { kind: 'promote-learner', partitionId, nodeId: move.toNodeId };
    case 'removing':
      return { kind: 'remove-replica', partitionId, nodeId: move.fromNodeId };
  }
}

/** True while a move may still be rolled back (its learner is not a voter yet). */
export function canAbort(move: MoveRecord): boolean {
  return move.phase !== 'removing';
}

/** The replica set a partition has once `move` has entered `phase`, given the set before. */
export function replicasForPhase(
  partition: PartitionRecord,
  move: MoveRecord,
  phase: MovePhase | 'finished' | 'aborted',
): PartitionRecord['replicas'] {
  const others = partition.replicas.filter((r) => r.nodeId !== move.toNodeId);
  switch (phase) {
    case 'adding-learner':
    case 'aborted':
      return others;
    case 'catching-up':
    case 'promoting':
      return [...others, { nodeId: move.toNodeId, role: 'learner' }];
    case 'removing':
      return [...others, { nodeId: move.toNodeId, role: 'voter' }];
    case 'finished':
      return [
        ...others.filter((r) => r.nodeId !== move.fromNodeId),
        { nodeId: move.toNodeId, role: 'voter' },
      ];
  }
}

const targetHealthy: ReadonlySet<NodeState> = new Set<NodeState>(['up', 'suspect']);

/**
 * Why a move should be rolled back now, or null to keep going. A move is abandoned when its
 * target can no longer take the replica (down, draining, decommissioned, gone), or when a drain
 * that started it was cancelled. Moves in `removing` are never abandoned (see the module note).
 */
export function abortReason(state: ControlState, move: MoveRecord): string | null {
  if (!canAbort(move)) return null;
  const target = lookup(state.nodes, move.toNodeId);
  if (target === undefined || !targetHealthy.has(target.state)) {
    return `target node ${move.toNodeId} is ${target?.state ?? 'unknown'}`;
  }
  if (move.reason === 'drain' && move.fromNodeId !== null) {
    const source = lookup(state.nodes, move.fromNodeId);
    if (source?.state === 'up') return `drain of ${move.fromNodeId} was cancelled`;
  }
  const partition = lookup(state.partitions, move.partitionId);
  if (partition === undefined) return 'partition no longer exists';
  if (lookup(state.tables, partition.tableId)?.status === 'DELETING')
    return 'table is being deleted';
  return null;
}

/** A decision about one move in flight, as a driver resuming after a crash takes it. */
export type MoveResumption =
  | { readonly kind: 'continue'; readonly moveId: string; readonly step: MoveStep }
  | { readonly kind: 'abort'; readonly moveId: string; readonly reason: string };

/**
 * For every move in flight (in id order), whether to continue with its next step or to roll it
 * back. A new control-plane leader calls this once, from the replicated state alone.
 */
export function resumeMoves(state: ControlState): MoveResumption[] {
  return Object.values(state.moves)
    .sort((a, b) => (a.moveId < b.moveId ? -1 : 1))
    .map((move) => {
      const reason = abortReason(state, move);
      return reason === null
        ? { kind: 'continue', moveId: move.moveId, step: stepOf(move) }
        : { kind: 'abort', moveId: move.moveId, reason };
    });
}
