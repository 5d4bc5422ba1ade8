// One deterministic simulation run: N nodes, a seeded random source, an event queue in
// simulator time, clients, faults, and continuous safety checks. `runSimulation(seed)`
// is a pure function of its options.

import type { UnsafeTestingKnobs } from '../config.js';
import { MemoryStorage } from '../memory-storage.js';
import { Xoshiro128 } from '../random.js';
import type { NodeId, RaftMessage } from '../types.js';
import { emptyConfState } from '../types.js';
import { checkHistory, kvModel } from '../../linearizability/index.js';
import { EventQueue } from './event-queue.js';
import type { FaultHost } from './faults.js';
import { injectFault, maybeLeaveJoint } from './faults.js';
import { Network } from './network.js';
import type { NetworkProfile } from './network.js';
import { SafetyOracle } from './oracle.js';
import { SimNode } from './sim-node.js';
import type { SimNodeOptions } from './sim-node.js';
import { Workload } from './workload.js';

/** What a run does. */
export interface SimulationOptions {
  seed: number;
  /** Length of the run in nominal ticks (faults stop at 70%, then the cluster must heal). */
  steps: number;
  faults: boolean;
  /** Safety rules to switch off (mutation testing). */
  knobs?: UnsafeTestingKnobs;
  /** Keep an event log (for reproducing a failure). */
  trace?: boolean;
}

/** What a run found. */
export interface SimulationResult {
  seed: number;
  ok: boolean;
  violations: string[];
  stats: {
    operations: number;
    completed: number;
    elections: number;
    committed: number;
    faults: number;
    checkerSteps: number;
    checkerVerdict: string;
    leaseReads: number;
    readIndexReads: number;
    snapshotsDelivered: number;
    transfers: number;
    membershipChanges: number;
  };
  trace: string[];
}

type SimEvent =
  | { kind: 'tick'; node: NodeId }
  | { kind: 'deliver'; message: RaftMessage }
  | { kind: 'wake'; clientId: number }
  | { kind: 'timeout'; clientId: number; requestId: number }
  | { kind: 'fault' }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'crash'; node: NodeId }
  | { kind: 'heal' };

/** Nominal tick length in simulator time units; node clocks run within the drift bound of it. */
const TICK = 100;
const DRIFT = 0.1;
const NODE_IDS = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];

class Simulation implements FaultHost {
  readonly random: Xoshiro128;
  readonly queue = new EventQueue<SimEvent>();
  readonly network: Network;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly oracle = new SafetyOracle();
  readonly spareIds: NodeId[];
  readonly tickLength = TICK;
  readonly trace: string[] = [];
  readonly workload: Workload;
  private time = 0;
  private faultCount = 0;
  private elections = 0;
  private snapshotsDelivered = 0;
  private transfers = 0;
  private membershipChanges = 0;
  private readonly options: SimulationOptions;
  private readonly nodeOptions: SimNodeOptions;
  private readonly calmProfile: NetworkProfile;
  /** Probability that a newly elected leader crashes shortly after (per seed). */
  private readonly leaderCrashRate: number;
  /** Probability that a leader crashes right after accepting a proposal (per seed). */
  private readonly proposalCrashRate: number;

  constructor(options: SimulationOptions) {
    this.options = options;
    this.random = new Xoshiro128(options.seed);
    this.calmProfile = {
      lossRate: 0,
      duplicateRate: 0,
      minDelay: 2,
      maxDelay: 30,
      longDelayRate: 0,
      longDelayMax: 30,
    };
    const faulty: NetworkProfile = {
      lossRate: this.random.between(0, 10) / 100,
      duplicateRate: this.random.between(0, 5) / 100,
      minDelay: 2,
      maxDelay: this.random.between(20, 150),
      longDelayRate: 0.02,
      longDelayMax: 8 * TICK,
    };
    this.network = new Network(this.random, options.faults ? faulty : this.calmProfile);
    this.leaderCrashRate = this.random.pick([0, 0, 0.3, 0.6]);
    this.proposalCrashRate = this.random.pick([0, 0, 0.01, 0.05]);
    this.nodeOptions = {
      electionTicks: 10,
      heartbeatTicks: 2,
      maxClockDriftRatio: DRIFT,
      snapshotEveryEntries: this.random.between(10, 40),
      entriesKeptAfterSnapshot: this.random.between(0, 5),
      maxSizePerMessageBytes: this.random.pick([1, 100, 4096]),
      maxInflightMessages: this.random.between(1, 8),
      knobs: options.knobs ?? {},
    };
    // Mostly three founding voters, sometimes five; two more ids can join later.
    const founders = this.random.chance(0.3) ? 5 : 3;
    const voters = NODE_IDS.slice(0, founders);
    this.spareIds = NODE_IDS.slice(founders, founders + 2);
    const conf = { ...emptyConfState(), voters };
    for (const id of voters) this.createNode(id, MemoryStorage.bootstrap(conf));
    this.workload = new Workload(this, {
      clients: 3,
      keys: ['x', 'y'],
      thinkTimeMax: 2 * TICK,
      retryDelay: TICK,
      operationTimeout: 12 * TICK,
      maxAttempts: 20,
    });
    if (options.faults) this.queue.push(this.random.between(10, 30) * TICK, { kind: 'fault' });
  }

  // ---- hosts' callbacks ----

  now(): number {
    return this.time;
  }

  node(id: NodeId): SimNode | undefined {
    return this.nodes.get(id);
  }

  memberIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  wake(clientId: number, delay: number): void {
    this.queue.push(this.time + delay, { kind: 'wake', clientId });
  }

  scheduleTimeout(clientId: number, requestId: number, delay: number): void {
    this.queue.push(this.time + delay, { kind: 'timeout', clientId, requestId });
  }

  proposalAccepted(node: NodeId): void {
    if (this.inFaultPeriod() && this.random.chance(this.proposalCrashRate)) {
      // Crash the leader after it persists the entry but before it sends it: the entry
      // lives only in its own log, which is how Figure 8 starts.
      const victim = this.nodes.get(node);
      if (victim === undefined) return;
      victim.crashAfterPersist = true;
      this.log(`crash ${node} after persisting its next Ready`);
      this.scheduleRestart(victim, this.random.between(1, 30) * TICK);
    }
  }

  send(message: RaftMessage): void {
    for (const delay of this.network.delays()) {
      this.queue.push(this.time + delay, { kind: 'deliver', message });
    }
  }

  log(line: string): void {
    if (this.options.trace) this.trace.push(`t=${(this.time / TICK).toFixed(2)} ${line}`);
  }

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      const status = node.raw?.status();
      if (status?.role === 'leader' && status.term > bestTerm) {
        best = node;
        bestTerm = status.term;
      }
    }
    return best;
  }

  /** A clock period within the drift bound. */
  private skewedPeriod(): number {
    return this.random.between(Math.ceil(TICK * (1 - DRIFT)), Math.floor(TICK * (1 + DRIFT)));
  }

  private createNode(id: NodeId, storage: MemoryStorage): SimNode {
    const node = new SimNode(
      id,
      storage,
      {
        oracle: this.oracle,
        send: (message) => this.send(message),
        applied: (at, index, command, output) =>
          this.workload.onApplied(at, index, command, output),
        readReady: (at, readState) => this.workload.onReadReady(at, readState),
        confChanged: () => {
          this.membershipChanges++;
        },
      },
      this.nodeOptions,
      this.skewedPeriod(),
    );
    this.nodes.set(id, node);
    node.start(this.random.nextUint32());
    this.queue.push(this.time + this.random.between(1, node.tickPeriod), {
      kind: 'tick',
      node: id,
    });
    return node;
  }

  addNode(id: NodeId): SimNode {
    return this.createNode(id, new MemoryStorage());
  }

  crash(node: SimNode): void {
    node.crash();
  }

  scheduleRestart(node: SimNode, delay: number): void {
    this.queue.push(this.time + delay, { kind: 'restart', node: node.id });
  }

  scheduleHeal(delay: number): void {
    this.queue.push(this.time + delay, { kind: 'heal' });
  }

  // ---- the run ----

  run(): SimulationResult {
    const end = this.options.steps * TICK;
    const calmFrom = Math.floor(end * 0.7);
    const drainFrom = Math.floor(end * 0.93);
    let calmed = false;
    let completedAtCalm = 0;
    while (this.queue.size > 0 && this.oracle.violations.length === 0) {
      if (this.queue.peekTime() > end) break;
      // The last stretch has no new client operations, so commits reach every member.
      if (this.queue.peekTime() >= drainFrom) this.workload.stop();
      if (!calmed && this.queue.peekTime() >= calmFrom) {
        calmed = true;
        this.calm();
        completedAtCalm = this.workload.completed;
      }
      const next = this.queue.pop();
      if (next === undefined) break;
      this.time = next.time;
      try {
        this.handle(next.event);
      } catch (error) {
        // The core asserts its invariants; tripping one is a finding with a seed, too.
        this.oracle.report(
          'Assertion',
          error instanceof Error ? (error.stack ?? error.message) : String(error),
        );
      }
    }
    if (this.oracle.violations.length === 0) this.finalChecks(completedAtCalm);
    return this.result();
  }

  /** Ends the fault period: heal the network, restart every node, stop new clients late. */
  private calm(): void {
    this.network.heal();
    this.network.profile = this.calmProfile;
    for (const node of this.nodes.values()) {
      if (!node.up) this.restart(node);
    }
    this.log('calm: faults over');
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'tick': {
        const node = this.nodes.get(event.node) as SimNode;
        if (node.raw !== null) this.observe(node, () => node.raw?.tick());
        this.queue.push(this.time + node.tickPeriod, event);
        maybeLeaveJoint(this);
        return;
      }
      case 'deliver':
        this.deliver(event.message);
        return;
      case 'wake':
        this.workload.onWake(event.clientId);
        this.processAll();
        return;
      case 'timeout':
        this.workload.onTimeout(event.clientId, event.requestId);
        return;
      case 'fault':
        if (this.time < this.options.steps * TICK * 0.7) {
          this.faultCount++;
          injectFault(this);
          this.processAll();
          this.queue.push(this.time + this.random.between(5, 40) * TICK, { kind: 'fault' });
        }
        return;
      case 'crash': {
        const node = this.nodes.get(event.node) as SimNode;
        if (node.up && this.inFaultPeriod()) {
          node.crash();
          this.log(`crash new leader ${node.id}`);
          this.scheduleRestart(node, this.random.between(1, 30) * TICK);
        }
        return;
      }
      case 'restart': {
        const node = this.nodes.get(event.node) as SimNode;
        if (!node.up) this.restart(node);
        return;
      }
      case 'heal':
        this.network.heal();
        this.log('heal');
        return;
    }
  }

  private restart(node: SimNode): void {
    node.tickPeriod = this.skewedPeriod();
    node.start(this.random.nextUint32());
    node.process();
    this.log(`restart ${node.id}`);
  }

  private deliver(message: RaftMessage): void {
    const node = this.nodes.get(message.to);
    if (node?.raw == null || !this.network.canDeliver(message.from, message.to)) return;
    if (message.type === 'snapshot') this.snapshotsDelivered++;
    if (message.type === 'timeoutNow') this.transfers++;
    if (this.options.trace && message.type.startsWith('vote')) {
      this.log(
        `${message.from}->${message.to} ${message.type} term ${message.term}${message.reject ? ' rejected' : ''}`,
      );
    }
    this.observe(node, () => node.raw?.step(message));
  }

  /** Runs `action` on a node, handles its Ready, and notes a new leader. */
  private observe(node: SimNode, action: () => void): void {
    const wasLeader = node.raw?.status().role === 'leader';
    action();
    node.process();
    const status = node.raw?.status();
    if (!wasLeader && status?.role === 'leader') {
      this.elections++;
      const conf = status.confState;
      this.log(
        `${node.id} leads term ${status.term} voters [${conf.voters.join(',')}]` +
          (conf.votersOutgoing.length > 0 ? ` & [${conf.votersOutgoing.join(',')}]` : '') +
          ` applied ${status.applied} commit ${status.commit} last ${status.lastIndex}`,
      );
      // Short-lived leaders that crash mid-replication are what Figure 8 is made of.
      if (this.inFaultPeriod() && this.random.chance(this.leaderCrashRate)) {
        this.queue.push(this.time + this.random.between(1, 3 * TICK), {
          kind: 'crash',
          node: node.id,
        });
      }
    }
  }

  private inFaultPeriod(): boolean {
    return this.options.faults && this.time < this.options.steps * TICK * 0.7;
  }

  private processAll(): void {
    for (const node of this.nodes.values()) node.process();
  }

  /** Liveness after healing, convergence, and linearizability of the whole history. */
  private finalChecks(completedAtCalm: number): void {
    const leader = this.leader();
    if (leader?.raw == null) {
      this.oracle.report('Liveness', 'no leader after the network healed');
      return;
    }
    if (this.workload.completed === completedAtCalm) {
      this.oracle.report('Liveness', 'no client operation completed after the network healed');
    }
    const conf = leader.raw.status().confState;
    for (const id of [...conf.voters, ...conf.learners]) {
      const node = this.nodes.get(id);
      if (node?.raw == null) continue;
      // Members still catching up at the very end are given the benefit of the doubt
      // only if they are learners; voters must have everything.
      if (conf.voters.includes(id)) this.oracle.checkFinalApplied(id, node.applied);
    }
  }

  private checkLinearizability(): { steps: number; verdict: string } {
    const result = checkHistory(kvModel, this.workload.history, { maxSteps: 200_000 });
    if (result.verdict === 'illegal') {
      this.oracle.report(
        'Linearizability',
        `history not linearizable:\n${result.explanation ?? ''}`,
      );
    }
    return { steps: result.steps, verdict: result.verdict };
  }

  private result(): SimulationResult {
    const checker =
      this.oracle.violations.length === 0
        ? this.checkLinearizability()
        : { steps: 0, verdict: 'skipped' };
    return {
      seed: this.options.seed,
      ok: this.oracle.violations.length === 0,
      violations: this.oracle.violations.slice(),
      stats: {
        operations: this.workload.history.length,
        completed: this.workload.completed,
        elections: this.elections,
        committed: this.oracle.globalCommit,
        faults: this.faultCount,
        checkerSteps: checker.steps,
        checkerVerdict: checker.verdict,
        leaseReads: this.workload.leaseReads,
        readIndexReads: this.workload.readIndexReads,
        snapshotsDelivered: this.snapshotsDelivered,
        transfers: this.transfers,
        membershipChanges: this.membershipChanges,
      },
      trace: this.trace,
    };
  }
}

/** Runs one seed. */
export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

/** The command that replays a run. */
export function reproduceCommand(options: SimulationOptions): string {
  const parts = ['npm run sim --', `--seed ${options.seed}`, `--steps ${options.steps}`];
  if (!options.faults) parts.push('--no-faults');
  for (const [knob, on] of Object.entries(options.knobs ?? {}))
    if (on) parts.push(`--unsafe ${knob}`);
  parts.push('--trace');
  return parts.join(' ');
}
