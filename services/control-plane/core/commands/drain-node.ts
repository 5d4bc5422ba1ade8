/**
 * drain-node and cancel-drain: the operator's way to empty a node before removing it (a
 * Kubernetes scale-down) and to change its mind. Draining stops new placements on the node and
 * makes the planner move every replica away; cancelling returns the node to `up` and the moves
 * not yet promoted are rolled back by the driver (see moves.ts `abortReason`).
 */
import { lookup } from '../state.js';
import type { ControlState, NodeRecord } from '../state.js';
import { applySetNodeState } from './set-node-state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Start draining a node. */
export interface DrainNodeCommand extends CommandBase {
  readonly type: 'drain-node';
  readonly nodeId: string;
}

/** Stop draining a node. */
export interface CancelDrainCommand extends CommandBase {
  readonly type: 'cancel-drain';
  readonly nodeId: string;
}

/** Applies {@link DrainNodeCommand}; draining a draining node is a no-op. */
export function applyDrainNode(
  state: ControlState,
  command: DrainNodeCommand,
  context: ApplyContext,
): ApplyOutcome<NodeRecord> {
  return applySetNodeState(
    state,
    { type: 'set-node-state', nodeId: command.nodeId, state: 'draining', nowMs: command.nowMs },
    context,
  );
}

/**
 * Applies {@link CancelDrainCommand}: a draining node goes back up; cancelling for a node that is
 * up already is a no-op (the caller's intent holds), any other state is refused.
 */
export function applyCancelDrain(
  state: ControlState,
  command: CancelDrainCommand,
  context: ApplyContext,
): ApplyOutcome<NodeRecord> {
  const node = lookup(state.nodes, command.nodeId);
  if (node === undefined)
    return rejectWith(state, 'NodeNotFound', `node ${command.nodeId} is not registered`);
  if (node.state === 'up') return accepted(state, node);
  if (node.state !== 'draining') {
    return rejectWith(
      state,
      'InvalidNodeTransition',
      `node ${node.nodeId} is ${node.state}, not draining`,
    );
  }
  return applySetNodeState(
    state,
    { type: 'set-node-state', nodeId: command.nodeId, state: 'up', nowMs: command.nowMs },
    context,
  );
}
