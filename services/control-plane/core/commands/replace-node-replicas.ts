/**
 * replace-node-replicas: the failure detector's verdict that a down node's grace period is over.
 * From now on the planner rebuilds the node's replicas elsewhere; if the node comes back up the
 * flag is cleared (set-node-state) and the moves not yet promoted are rolled back.
 */
import { lookup } from '../state.js';
import type { ControlState, NodeRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Start replacing a down node's replicas. */
export interface ReplaceNodeReplicasCommand extends CommandBase {
  readonly type: 'replace-node-replicas';
  readonly nodeId: string;
}

/** Applies {@link ReplaceNodeReplicasCommand}; the result is the node record. */
export function applyReplaceNodeReplicas(
  state: ControlState,
  command: ReplaceNodeReplicasCommand,
  _context: ApplyContext,
): ApplyOutcome<NodeRecord> {
  const node = lookup(state.nodes, command.nodeId);
  if (node === undefined)
    return rejectWith(state, 'NodeNotFound', `node ${command.nodeId} is not registered`);
  if (node.state !== 'down') {
    return rejectWith(
      state,
      'InvalidNodeTransition',
      `node ${node.nodeId} is ${node.state}, not down`,
    );
  }
  if (node.replaceReplicas) return accepted(state, node);
  const updated: NodeRecord = { ...node, replaceReplicas: true };
  return accepted({ ...state, nodes: { ...state.nodes, [node.nodeId]: updated } }, updated);
}
