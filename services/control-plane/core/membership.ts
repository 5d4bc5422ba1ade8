/**
 * The failure detector: heartbeats in, membership decisions out.
 *
 * Heartbeats are leader-local soft state (a heartbeat every second from every node would flood
 * the log); only the resulting state changes are proposed as commands. Time comes from the
 * caller. A newly elected control-plane leader has seen no heartbeats yet, so it starts every
 * node's silence at the moment it first looks at it — a new leader never declares the whole
 * cluster down.
 *
 * | node state | condition                                         | decision                  |
 * |------------|---------------------------------------------------|---------------------------|
 * | joining    | heard within `suspectAfterMs`                      | up                        |
 * | joining    | silent for `downAfterMs`                           | down                      |
 * | up         | silent for `suspectAfterMs` / `downAfterMs`        | suspect / down            |
 * | suspect    | heard again / silent for `downAfterMs`             | up / down                 |
 * | down       | heard again                                        | up                        |
 * | down       | down for `replaceGraceMs`, not yet replacing       | replace its replicas      |
 * | draining   | no replicas left and no move touching it           | decommissioned            |
 *
 * A draining node is not failure-detected: it is leaving anyway, and its replicas are already
 * being moved (a move does not need its source alive: the partition leader streams the data).
 */
import type { ControlConfig } from './config.js';
import type { Command } from './commands/index.js';
import { replicaCountsByNode } from './state.js';
import type { ControlState, NodeRecord } from './state.js';

/** One membership decision; {@link decisionToCommand} turns it into a command. */
export type MembershipDecision =
  | {
      readonly kind: 'set-state';
      readonly nodeId: string;
      readonly state: 'up' | 'suspect' | 'down';
    }
  | { readonly kind: 'replace-replicas'; readonly nodeId: string }
  | { readonly kind: 'decommission'; readonly nodeId: string };

/** Leader-local heartbeat bookkeeping and the rules above. */
export class FailureDetector {
  private readonly heardMs = new Map<string, number>();
  private readonly firstSeenMs = new Map<string, number>();

  constructor(private readonly config: ControlConfig) {}

  /** Records a heartbeat from `nodeId` at `nowMs` (older heartbeats than the last are ignored). */
  recordHeartbeat(nodeId: string, nowMs: number): void {
    const last = this.heardMs.get(nodeId);
    if (last === undefined || nowMs > last) this.heardMs.set(nodeId, nowMs);
  }

  /** Forgets a node (decommissioned). */
  forget(nodeId: string): void {
    this.heardMs.delete(nodeId);
    this.firstSeenMs.delete(nodeId);
  }

  /** Decides the membership changes due at `nowMs`, at most one per node, in node id order. */
  decide(state: ControlState, nowMs: number): MembershipDecision[] {
    const replicas = replicaCountsByNode(state);
    const moving = new Set<string>();
    for (const move of Object.values(state.moves)) {
      moving.add(move.toNodeId);
      if (move.fromNodeId !== null) moving.add(move.fromNodeId);
    }
    const decisions: MembershipDecision[] = [];
    for (const node of Object.values(state.nodes).sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1))) {
      if (node.state === 'decommissioned') {
        this.forget(node.nodeId);
        continue;
      }
      const idle = (replicas.get(node.nodeId) ?? 0) === 0 && !moving.has(node.nodeId);
      const decision = this.decideNode(node, nowMs, idle);
      if (decision !== null) decisions.push(decision);
    }
    return decisions;
  }

  private decideNode(node: NodeRecord, nowMs: number, idle: boolean): MembershipDecision | null {
    const nodeId = node.nodeId;
    if (node.state === 'draining') return idle ? { kind: 'decommission', nodeId } : null;
    if (!this.firstSeenMs.has(nodeId)) this.firstSeenMs.set(nodeId, nowMs);
    const heard = this.heardMs.get(nodeId);
    // Heartbeats from before the node's current state began say nothing about coming back.
    const heardSinceState = heard !== undefined && heard >= node.stateSinceMs;
    const lastSignMs = heard ?? this.firstSeenMs.get(nodeId) ?? nowMs;
    const silenceMs = nowMs - lastSignMs;
    const { suspectAfterMs, downAfterMs, replaceGraceMs } = this.config;
    switch (node.state) {
      case 'joining':
        if (heardSinceState && silenceMs < suspectAfterMs)
          return { kind: 'set-state', nodeId, state: 'up' };
        return silenceMs >= downAfterMs ? { kind: 'set-state', nodeId, state: 'down' } : null;
      case 'up':
        if (silenceMs >= downAfterMs) return { kind: 'set-state', nodeId, state: 'down' };
        return silenceMs >= suspectAfterMs ? { kind: 'set-state', nodeId, state: 'suspect' } : null;
      case 'suspect':
        if (silenceMs >= downAfterMs) return { kind: 'set-state', nodeId, state: 'down' };
        return silenceMs < suspectAfterMs && heardSinceState
          ? { kind: 'set-state', nodeId, state: 'up' }
          : null;
      case 'down':
        if (heardSinceState && silenceMs < suspectAfterMs)
          return { kind: 'set-state', nodeId, state: 'up' };
        if (!node.replaceReplicas && nowMs - node.stateSinceMs >= replaceGraceMs) {
          return { kind: 'replace-replicas', nodeId };
        }
        return null;
      case 'decommissioned':
        return null;
    }
  }
}

/** The command that carries out a membership decision, stamped with `nowMs`. */
export function decisionToCommand(decision: MembershipDecision, nowMs: number): Command {
  switch (decision.kind) {
    case 'set-state':
      return { type: 'set-node-state', nodeId: decision.nodeId, state: decision.state, nowMs };
    case 'replace-replicas':
      return { type: 'replace-node-replicas', nodeId: decision.nodeId, nowMs };
    case 'decommission':
      return { type: 'set-node-state', nodeId: decision.nodeId, state: 'decommissioned', nowMs };
  }
}
