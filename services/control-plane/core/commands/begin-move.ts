/**
 * begin-move: records the intention to move one replica of a partition (see moves.ts). The
 * replica set does not change yet; the learner is added by advance-move once the partition's
 * Raft group has committed it. The bounds on concurrent moves are enforced here, in the state
 * machine, so that no planner bug or duplicate proposal can exceed them.
 */
import { lookup, moveOfPartition } from '../state.js';
import type { ControlState, MoveReason, MoveRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Start moving a replica of `partitionId` from `fromNodeId` (or nowhere) to `toNodeId`. */
export interface BeginMoveCommand extends CommandBase {
  readonly type: 'begin-move';
  readonly partitionId: string;
  readonly fromNodeId: string | null;
  readonly toNodeId: string;
  readonly reason: MoveReason;
}

/** Applies {@link BeginMoveCommand}; the result is the new move record. */
export function applyBeginMove(
  state: ControlState,
  command: BeginMoveCommand,
  context: ApplyContext,
): ApplyOutcome<MoveRecord> {
  const problem = beginMoveProblem(state, command, context);
  if (problem !== null) return rejectWith(state, problem[0], problem[1]);
  const move: MoveRecord = {
    moveId: `m${state.nextMoveNumber}`,
    partitionId: command.partitionId,
    fromNodeId: command.fromNodeId,
    toNodeId: command.toNodeId,
    phase: 'adding-learner',
    reason: command.reason,
    startedMs: command.nowMs,
    phaseSinceMs: command.nowMs,
  };
  return accepted(
    {
      ...state,
      nextMoveNumber: state.nextMoveNumber + 1,
      moves: { ...state.moves, [move.moveId]: move },
    },
    move,
  );
}

type Problem = readonly [
  'PartitionNotFound' | 'NodeNotFound' | 'InvalidMove' | 'MoveConflict' | 'MoveLimitReached',
  string,
];

function beginMoveProblem(
  state: ControlState,
  command: BeginMoveCommand,
  context: ApplyContext,
): Problem | null {
  const partition = lookup(state.partitions, command.partitionId);
  if (partition === undefined)
    return ['PartitionNotFound', `partition ${command.partitionId} not found`];
  if (lookup(state.tables, partition.tableId)?.status === 'DELETING') {
    return ['InvalidMove', `the table of ${partition.partitionId} is being deleted`];
  }
  const target = lookup(state.nodes, command.toNodeId);
  if (target === undefined) return ['NodeNotFound', `node ${command.toNodeId} is not registered`];
  if (target.state !== 'up')
    return ['InvalidMove', `target node ${target.nodeId} is ${target.state}`];
  if (partition.replicas.some((r) => r.nodeId === command.toNodeId)) {
    return ['InvalidMove', `node ${command.toNodeId} already hosts ${partition.partitionId}`];
  }
  if (command.fromNodeId !== null) {
    const source = partition.replicas.find((r) => r.nodeId === command.fromNodeId);
    if (source?.role !== 'voter') {
      return [
        'InvalidMove',
        `node ${command.fromNodeId} is not a voter of ${partition.partitionId}`,
      ];
    }
  }
  if (command.fromNodeId === command.toNodeId)
    return ['InvalidMove', 'source and target are the same'];
  if (moveOfPartition(state, partition.partitionId) !== undefined) {
    return ['MoveConflict', `partition ${partition.partitionId} already has a move in flight`];
  }
  const { movesInFlightMax, movesPerNodeMax } = context.config;
  const moves = Object.values(state.moves);
  if (moves.length >= movesInFlightMax) {
    return ['MoveLimitReached', `${moves.length} moves are in flight (limit ${movesInFlightMax})`];
  }
  const onTarget = moves.filter(
    (m) => m.toNodeId === target.nodeId || m.fromNodeId === target.nodeId,
  );
  if (onTarget.length >= movesPerNodeMax) {
    return [
      'MoveLimitReached',
      `node ${target.nodeId} has ${onTarget.length} moves in flight (limit ${movesPerNodeMax})`,
    ];
  }
  return null;
}
