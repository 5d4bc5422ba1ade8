/**
 * finish-move: records that the old replica has been removed from the partition's Raft group;
 * the move is complete and forgotten. A leader hint that pointed at the removed node is cleared
 * until the group reports its leader again.
 */
import { replicasForPhase } from '../moves.js';
import { lookup, withoutEntry } from '../state.js';
import type { ControlState, PartitionRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Complete a move in phase `removing`. */
export interface FinishMoveCommand extends CommandBase {
  readonly type: 'finish-move';
  readonly moveId: string;
}

/** Applies {@link FinishMoveCommand}; the result is the partition's new record. */
export function applyFinishMove(
  state: ControlState,
  command: FinishMoveCommand,
  _context: ApplyContext,
): ApplyOutcome<PartitionRecord> {
  const move = lookup(state.moves, command.moveId);
  if (move === undefined)
    return rejectWith(state, 'MoveNotFound', `move ${command.moveId} not found`);
  if (move.phase !== 'removing') {
    return rejectWith(state, 'InvalidMove', `move ${move.moveId} is ${move.phase}, not removing`);
  }
  const partition = lookup(state.partitions, move.partitionId);
  if (partition === undefined)
    return rejectWith(state, 'PartitionNotFound', `partition ${move.partitionId} not found`);
  const leaderRemoved = move.fromNodeId !== null && partition.leaderNodeId === move.fromNodeId;
  const updated: PartitionRecord = {
    ...partition,
    replicas: replicasForPhase(partition, move, 'finished'),
    leaderNodeId: leaderRemoved ? null : partition.leaderNodeId,
  };
  return accepted(
    {
      ...state,
      mapEpoch: state.mapEpoch + 1,
      partitions: { ...state.partitions, [partition.partitionId]: updated },
      moves: withoutEntry(state.moves, move.moveId),
    },
    updated,
  );
}
