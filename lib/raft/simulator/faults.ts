// The fault schedule: partitions (symmetric and one-way), crashes with restarts, clock
// skew within the configured drift bound, membership changes and leadership transfers,
// all chosen by the run's seeded random source.

import type { Xoshiro128 } from '../random.js';
import type { ConfChange, NodeId } from '../types.js';
import type { Network } from './network.js';
import type { SimNode } from './sim-node.js';

/** What fault injection may do to the simulation. */
export interface FaultHost {
  random: Xoshiro128;
  network: Network;
  nodes: Map<NodeId, SimNode>;
  /** Ids that may still be added as new members. */
  spareIds: NodeId[];
  leader(): SimNode | undefined;
  addNode(id: NodeId): SimNode;
  crash(node: SimNode): void;
  /** Restarts `node` after `delay` time units. */
  scheduleRestart(node: SimNode, delay: number): void;
  /** Heals network cuts after `delay` time units. */
  scheduleHeal(delay: number): void;
  log(line: string): void;
  tickLength: number;
}

/** Picks and applies one fault. */
export function injectFault(host: FaultHost): void {
  const random = host.random;
  const roll = random.nextInt(100);
  if (roll < 20) symmetricPartition(host);
  else if (roll < 30) oneWayCut(host);
  else if (roll < 50) crashNode(host);
  else if (roll < 65) membershipChange(host);
  else if (roll < 80) transferLeadership(host);
  else if (roll < 90) isolateLeader(host);
  else {
    host.network.heal();
    host.log('heal');
  }
}

function liveIds(host: FaultHost): NodeId[] {
  return [...host.nodes.values()].filter((node) => node.up).map((node) => node.id);
}

function symmetricPartition(host: FaultHost): void {
  const ids = [...host.nodes.keys()];
  const sideA = ids.filter(() => host.random.chance(0.5));
  const sideB = ids.filter((id) => !sideA.includes(id));
  host.network.partition(sideA, sideB);
  host.log(`partition [${sideA.join(',')}] | [${sideB.join(',')}]`);
  host.scheduleHeal(host.random.between(5, 60) * host.tickLength);
}

function oneWayCut(host: FaultHost): void {
  const ids = [...host.nodes.keys()];
  const from = host.random.pick(ids);
  const to = host.random.pick(ids);
  if (from === to) return;
  host.network.cutLink(from, to);
  host.log(`cut ${from}->${to}`);
  host.scheduleHeal(host.random.between(5, 60) * host.tickLength);
}

function isolateLeader(host: FaultHost): void {
  const leader = host.leader();
  if (leader === undefined) return;
  const others = [...host.nodes.keys()].filter((id) => id !== leader.id);
  host.network.partition([leader.id], others);
  host.log(`isolate leader ${leader.id}`);
  host.scheduleHeal(host.random.between(10, 60) * host.tickLength);
}

function crashNode(host: FaultHost): void {
  const live = liveIds(host);
  if (live.length === 0) return;
  const leader = host.leader();
  const victim =
    leader !== undefined && host.random.chance(0.4)
      ? leader
      : (host.nodes.get(host.random.pick(live)) as SimNode);
  host.crash(victim);
  host.log(`crash ${victim.id}`);
  host.scheduleRestart(victim, host.random.between(2, 50) * host.tickLength);
}

function transferLeadership(host: FaultHost): void {
  const leader = host.leader();
  if (leader?.raw == null) return;
  const voters = leader.raw.status().confState.voters.filter((id) => id !== leader.id);
  if (voters.length === 0) return;
  const to = host.random.pick(voters);
  const result = leader.raw.transferLeadership(to);
  host.log(`transfer ${leader.id} -> ${to}: ${result.ok ? 'ok' : result.error.code}`);
  leader.process();
}

function membershipChange(host: FaultHost): void {
  const leader = host.leader();
  if (leader?.raw == null) return;
  const conf = leader.raw.status().confState;
  if (conf.votersOutgoing.length > 0) return;
  const voters = conf.voters;
  const learners = conf.learners;
  let change: ConfChange | null = null;
  const roll = host.random.nextInt(4);
  if (roll === 0 && host.spareIds.length > 0) {
    const id = host.spareIds.shift() as NodeId;
    host.addNode(id);
    change = { changes: [{ type: 'addLearner', nodeId: id }], transition: 'auto' };
  } else if (roll === 1 && learners.length > 0) {
    change = {
      changes: [{ type: 'addVoter', nodeId: host.random.pick(learners) }],
      transition: 'auto',
    };
  } else if (roll === 2 && voters.length > 3) {
    change = {
      changes: [{ type: 'removeNode', nodeId: host.random.pick(voters) }],
      transition: 'auto',
    };
  } else if (roll === 3 && learners.length > 0) {
    // Joint consensus: swap a voter for a learner in one step.
    const incoming = host.random.pick(learners);
    const outgoing = host.random.pick(voters);
    change = {
      changes: [
        { type: 'addVoter', nodeId: incoming },
        { type: 'addLearner', nodeId: outgoing },
      ],
      transition: host.random.chance(0.5) ? 'auto' : 'explicit',
    };
  }
  if (change === null) return;
  const result = leader.raw.proposeConfChange(change);
  host.log(
    `conf change ${JSON.stringify(change.changes)}: ${result.ok ? 'ok' : result.error.code}`,
  );
  leader.process();
}

/** Leaves an explicit joint configuration (the host's job when transition is explicit). */
export function maybeLeaveJoint(host: FaultHost): void {
  const leader = host.leader();
  if (leader?.raw == null) return;
  const conf = leader.raw.status().confState;
  if (conf.votersOutgoing.length === 0 || conf.autoLeave) return;
  const result = leader.raw.proposeConfChange({ changes: [], transition: 'auto' });
  if (result.ok) host.log('leave joint');
  leader.process();
}
