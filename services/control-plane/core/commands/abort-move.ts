/**
 * abort-move: rolls a move back. Allowed until the learner has been promoted (phases
 * adding-learner, catching-up, promoting); the learner, if it was added, leaves the replica set
 * and the partition is exactly as before the move. A move in `removing` can only be finished.
 */
import { canAbort, replicasForPhase } from '../moves.js';
import { lookup, withoutEntry } from '../state.js';
import type { ControlState, MoveRecord, PartitionRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Roll back a move. */
export interface AbortMoveCommand extends CommandBase {
  readonly type: 'abort-move';
  readonly moveId: string;
  /** Why, for the admin API's history and the logs. */
  readonly reason: string;
}

/** Applies {@link AbortMoveCommand}; the result is the aborted move record. */
export function applyAbortMove(
  state: ControlState,
  command: AbortMoveCommand,
  _context: ApplyContext,
): ApplyOutcome<MoveRecord> {
  const move = lookup(state.moves, command.moveId);
  if (move === undefined)
    return rejectWith(state, 'MoveNotFound', `move ${command.moveId} not found`);
  if (!canAbort(move)) {
    return rejectWith(
      state,
      'InvalidMove',
      `move ${move.moveId} has promoted its learner; finish it instead`,
    );
  }
  const partition = lookup(state.partitions, move.partitionId);
  const hadLearner = partition?.replicas.some((r) => r.nodeId === move.toNodeId) ?? false;
  let partitions = state.partitions;
  if (partition !== undefined && hadLearner) {
    const updated: PartitionRecord = {
      ...partition,
      replicas: replicasForPhase(partition, move, 'aborted'),
    };
    partitions = { ...state.partitions, [partition.partitionId]: updated };
  }
  return accepted(
    {
      ...state,
      mapEpoch: hadLearner ? state.mapEpoch + 1 : state.mapEpoch,
      partitions,
      moves: withoutEntry(state.moves, move.moveId),
    },
    move,
  );
}
