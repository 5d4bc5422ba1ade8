/**
 * register-node: a storage node announces itself (id, address, zone label).
 *
 * A new node starts `joining`; its first heartbeat makes the failure detector propose `up`, and
 * only then does placement use it. A node that registers again (a restart, a new pod IP) keeps
 * its state and replicas and gets its new address. A decommissioned id never comes back: the
 * operator gives a replacement node a new id, so stale replicas can never be mistaken for live.
 */
import { lookup } from '../state.js';
import type { ControlState, NodeRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Register (or re-register) a storage node. */
export interface RegisterNodeCommand extends CommandBase {
  readonly type: 'register-node';
  readonly nodeId: string;
  readonly address: string;
  readonly zone: string | null;
}

/** Node ids and addresses are short printable strings; a limit keeps the map small. */
export const NODE_FIELD_LENGTH_MAX = 256;

/** Node ids look like Kubernetes pod names or host names. */
const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Registered nodes, including decommissioned ones (a limit on the membership table). */
export const NODE_COUNT_MAX = 10_000;

/** Applies {@link RegisterNodeCommand}; the result is the node record. */
export function applyRegisterNode(
  state: ControlState,
  command: RegisterNodeCommand,
  _context: ApplyContext,
): ApplyOutcome<NodeRecord> {
  for (const [name, value] of [
    ['nodeId', command.nodeId],
    ['address', command.address],
    ['zone', command.zone ?? 'none'],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.length > NODE_FIELD_LENGTH_MAX) {
      return rejectWith(
        state,
        'MalformedCommand',
        `${name} must be 1..${NODE_FIELD_LENGTH_MAX} characters`,
      );
    }
  }
  if (!nodeIdPattern.test(command.nodeId)) {
    return rejectWith(
      state,
      'MalformedCommand',
      `node id ${JSON.stringify(command.nodeId)} must match ${nodeIdPattern}`,
    );
  }
  const existing = lookup(state.nodes, command.nodeId);
  if (existing?.state === 'decommissioned') {
    return rejectWith(
      state,
      'NodeAlreadyRegistered',
      `node ${command.nodeId} was decommissioned; register the replacement under a new id`,
    );
  }
  if (existing === undefined && Object.keys(state.nodes).length >= NODE_COUNT_MAX) {
    return rejectWith(state, 'MalformedCommand', `the cluster already has ${NODE_COUNT_MAX} nodes`);
  }
  const node: NodeRecord =
    existing === undefined
      ? {
          nodeId: command.nodeId,
          address: command.address,
          zone: command.zone,
          state: 'joining',
          stateSinceMs: command.nowMs,
          registeredMs: command.nowMs,
          replaceReplicas: false,
        }
      : { ...existing, address: command.address, zone: command.zone };
  const visible =
    existing === undefined || existing.address !== node.address || existing.zone !== node.zone;
  return accepted(
    {
      ...state,
      mapEpoch: visible ? state.mapEpoch + 1 : state.mapEpoch,
      nodes: { ...state.nodes, [node.nodeId]: node },
    },
    node,
  );
}
