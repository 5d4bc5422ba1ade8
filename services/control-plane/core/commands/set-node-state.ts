/**
 * set-node-state: moves a node along its lifecycle. The failure detector proposes
 * up/suspect/down, the admin API proposes draining (drain, cancel) and decommissioned.
 *
 * ```
 * joining ──► up ◄──► suspect ──► down ──► (replaceReplicas after the grace period)
 *    │        ▲ │         │         │ ▲
 *    │        │ ▼         ▼         ▼ │
 *    └─────► draining ◄───────────────┘ ──► decommissioned (only with zero replicas)
 * ```
 */
import { lookup, replicaCountsByNode } from '../state.js';
import type { ControlState, NodeRecord, NodeState } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Set a node's membership state. */
export interface SetNodeStateCommand extends CommandBase {
  readonly type: 'set-node-state';
  readonly nodeId: string;
  readonly state: NodeState;
}

const allowed: Readonly<Record<NodeState, readonly NodeState[]>> = {
  joining: ['up', 'down', 'draining'],
  up: ['suspect', 'down', 'draining'],
  suspect: ['up', 'down', 'draining'],
  down: ['up', 'draining', 'decommissioned'],
  draining: ['up', 'decommissioned'],
  decommissioned: [],
};

/** True when the lifecycle allows going from `from` to `to`. */
export function canTransition(from: NodeState, to: NodeState): boolean {
  return allowed[from].includes(to);
}

/** Applies {@link SetNodeStateCommand}; the result is the node record. */
export function applySetNodeState(
  state: ControlState,
  command: SetNodeStateCommand,
  _context: ApplyContext,
): ApplyOutcome<NodeRecord> {
  const node = lookup(state.nodes, command.nodeId);
  if (node === undefined)
    return rejectWith(state, 'NodeNotFound', `node ${command.nodeId} is not registered`);
  if (node.state === command.state) return accepted(state, node);
  if (!canTransition(node.state, command.state)) {
    return rejectWith(
      state,
      'InvalidNodeTransition',
      `node ${node.nodeId} cannot go from ${node.state} to ${command.state}`,
    );
  }
  if (command.state === 'decommissioned') {
    const replicas = replicaCountsByNode(state).get(node.nodeId) ?? 0;
    const moving = Object.values(state.moves).some(
      (m) => m.toNodeId === node.nodeId || m.fromNodeId === node.nodeId,
    );
    if (replicas > 0 || moving) {
      return rejectWith(
        state,
        'InvalidNodeTransition',
        `node ${node.nodeId} still hosts ${replicas} replicas; drain it first`,
      );
    }
  }
  const updated: NodeRecord = {
    ...node,
    state: command.state,
    stateSinceMs: command.nowMs,
    // Coming back (or being drained deliberately) ends a pending replacement.
    replaceReplicas: command.state === 'down' ? node.replaceReplicas : false,
  };
  return accepted(
    { ...state, mapEpoch: state.mapEpoch + 1, nodes: { ...state.nodes, [node.nodeId]: updated } },
    updated,
  );
}
