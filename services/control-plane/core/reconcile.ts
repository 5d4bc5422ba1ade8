/**
 * One tick of the control-plane leader's background work, as a pure plan.
 *
 * The driver (the service process, later) calls {@link planReconcile} every tick with the
 * replicated state and its failure detector, proposes the returned commands in order, asks
 * partition leaders to carry out the returned move steps (each idempotent) and leadership
 * transfers, and reports completions back as advance-move / finish-move commands. Commands are
 * checked against a scratch copy of the state as they are planned, so a plan never contains a
 * command that the state machine would reject at the time of planning.
 */
import type { ControlConfig } from './config.js';
import { applyCommand } from './commands/index.js';
import type { Command } from './commands/index.js';
import { decisionToCommand } from './membership.js';
import type { FailureDetector } from './membership.js';
import { abortReason, stepOf } from './moves.js';
import type { MoveStep } from './moves.js';
import { planLeaderTransfers, planMoves } from './placement.js';
import type { PlannedLeaderTransfer } from './placement.js';
import type { ControlState } from './state.js';

/** What the leader should do this tick. */
export interface ReconcilePlan {
  /** Commands to propose, in order. */
  readonly commands: readonly Command[];
  /** Steps to ask partition leaders for, one per move in flight after the commands. */
  readonly moveSteps: readonly MoveStep[];
  /** Leadership transfers to ask partition leaders for. */
  readonly leaderTransfers: readonly PlannedLeaderTransfer[];
  /** The state once every planned command has been applied (what the next tick will see). */
  readonly projectedState: ControlState;
}

/** Leadership transfers suggested per tick. */
export const LEADER_TRANSFERS_PER_TICK_MAX = 8;

/**
 * Plans one tick: membership decisions, roll-backs of moves that cannot complete, then new moves
 * (evacuation, repair — `stopped` names replicas their nodes report stopped, as
 * `nodeId/partitionId` —, rebalance) within the move bounds.
 */
export function planReconcile(
  state: ControlState,
  detector: FailureDetector,
  nowMs: number,
  config: ControlConfig,
  stopped: ReadonlySet<string> = new Set(),
): ReconcilePlan {
  const context = { config };
  const commands: Command[] = [];
  let scratch = state;
  const tryPropose = (command: Command): void => {
    const outcome = applyCommand(scratch, command, context);
    if (!outcome.result.ok) return;
    scratch = outcome.state;
    commands.push(command);
  };
  for (const decision of detector.decide(state, nowMs))
    tryPropose(decisionToCommand(decision, nowMs));
  for (const move of Object.values(scratch.moves).sort((a, b) => (a.moveId < b.moveId ? -1 : 1))) {
    const reason = abortReason(scratch, move);
    if (reason !== null) tryPropose({ type: 'abort-move', moveId: move.moveId, reason, nowMs });
  }
  for (const planned of planMoves(scratch, config, stopped)) {
    tryPropose({ type: 'begin-move', ...planned, nowMs });
  }
  const moveSteps = Object.values(scratch.moves)
    .sort((a, b) => (a.moveId < b.moveId ? -1 : 1))
    .map(stepOf);
  const leaderTransfers = planLeaderTransfers(scratch, config, LEADER_TRANSFERS_PER_TICK_MAX);
  return { commands, moveSteps, leaderTransfers, projectedState: scratch };
}
