/**
 * advance-move: records that a move's current step has completed on the partition's Raft group,
 * entering the next phase. Entering `catching-up` adds the learner to the replica set; entering
 * `removing` promotes it to voter; both bump the partition's epoch. Re-proposing a phase the move
 * is already in is accepted as a no-op, so a driver that crashed after proposing can re-propose.
 */
import { nextPhase, replicasForPhase } from '../moves.js';
import { lookup } from '../state.js';
import type { ControlState, MovePhase, MoveRecord, PartitionRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Enter `phase` (which must be the phase after the move's current one). */
export interface AdvanceMoveCommand extends CommandBase {
  readonly type: 'advance-move';
  readonly moveId: string;
  readonly phase: Exclude<MovePhase, 'adding-learner'>;
}

/** Applies {@link AdvanceMoveCommand}; the result is the updated move record. */
export function applyAdvanceMove(
  state: ControlState,
  command: AdvanceMoveCommand,
  _context: ApplyContext,
): ApplyOutcome<MoveRecord> {
  const move = lookup(state.moves, command.moveId);
  if (move === undefined)
    return rejectWith(state, 'MoveNotFound', `move ${command.moveId} not found`);
  if (move.phase === command.phase) return accepted(state, move);
  if (nextPhase(move.phase) !== command.phase) {
    return rejectWith(
      state,
      'InvalidMove',
      `move ${move.moveId} is ${move.phase}; cannot enter ${command.phase}`,
    );
  }
  const partition = lookup(state.partitions, move.partitionId);
  if (partition === undefined)
    return rejectWith(state, 'PartitionNotFound', `partition ${move.partitionId} not found`);
  const updatedMove: MoveRecord = { ...move, phase: command.phase, phaseSinceMs: command.nowMs };
  const replicas = replicasForPhase(partition, move, command.phase);
  const changesReplicas = command.phase === 'catching-up' || command.phase === 'removing';
  const updatedPartition: PartitionRecord = changesReplicas
    ? { ...partition, replicas }
    : partition;
  return accepted(
    {
      ...state,
      mapEpoch: changesReplicas ? state.mapEpoch + 1 : state.mapEpoch,
      partitions: { ...state.partitions, [partition.partitionId]: updatedPartition },
      moves: { ...state.moves, [move.moveId]: updatedMove },
    },
    updatedMove,
  );
}
