// The control-plane leader's background work, run from the host's tick after the driver's:
// the failure detector fed by heartbeats, `planReconcile`'s commands, the leaders and figures
// storage nodes report, and the storage-side actions (new replicas, move steps, dropping a
// deleted table's data) carried out through a StorageExecutor. Only the leader does any of it;
// a new leader starts with empty soft state (no heartbeats yet: silence counts from its first
// look, so an election never declares the cluster down).
import type { Command } from '../core/commands/index.js';
import type { ControlConfig } from '../core/config.js';
import { FailureDetector } from '../core/membership.js';
import type { MoveStep } from '../core/moves.js';
import type { PlannedLeaderTransfer } from '../core/placement.js';
import { planReconcile } from '../core/reconcile.js';
import type { HashHex } from '../core/hash-space.js';
import { HotPartitionTracker, planSplits, splitChildId } from '../core/splits.js';
import type { KeySample, PartitionLoadReport } from '../core/splits.js';
import type { SplitReason } from '../core/commands/split-partition.js';
import { lookup, moveOfPartition } from '../core/state.js';
import type { ControlState, PartitionRecord } from '../core/state.js';
import type { ControlDriver } from './driver.js';
import type { StorageExecutor } from './executor.js';

/** What a storage node reports about one partition it hosts (from a heartbeat). */
export interface PartitionReportInput {
  readonly partitionId: string;
  readonly epoch: number;
  readonly leader: boolean;
  readonly term: number;
  readonly sizeBytes: number;
  readonly itemCount: number;
  /** Reads plus writes per second since the node's previous report (leaders). */
  readonly requestUnitsPerSecond?: number;
  /** Key hashes weighted by the bytes under them, from the node's bounded scan (leaders). */
  readonly samples?: readonly KeySample[];
  /** Key hashes recent requests addressed, weighted by how often (leaders). */
  readonly requestSamples?: readonly KeySample[];
  /** Members whose log the leader sees caught up (leaders; the leader itself included). */
  readonly caughtUpNodeIds?: readonly string[];
  /** The replica stopped on its node (a corrupted log, say): it serves and replicates nothing. */
  readonly stopped?: boolean;
}

/** How to build the leader's work loop. */
export interface LeaderWorkOptions {
  readonly config: ControlConfig;
  readonly clock: () => number;
  /** Storage-side actions; null runs without them (nothing is created on storage nodes). */
  readonly executor: StorageExecutor | null;
  /** Ticks between reconcile rounds. */
  readonly reconcileEveryTicks?: number;
  /** Ticks before a failed or unfinished storage action is tried again. */
  readonly retryAfterTicks?: number;
  /**
   * Reconcile rounds between two record-partition-stats commands: figures change all the time,
   * and each command is a log entry (compacted only behind snapshots), so they are batched.
   */
  readonly statsEveryRounds?: number;
  /** Storage actions in flight at once. */
  readonly actionsInFlightMax?: number;
  /** Partition splits in flight at once, cluster-wide. */
  readonly splitsInFlightMax?: number;
  /**
   * How long a node must keep reporting a replica the map does not place on it (no move, same
   * epoch) before the replica is dropped there: a stray, removed from its group without learning it.
   */
  readonly strayGraceMs?: number;
  /**
   * How long a replica must be reported stopped before it is replaced: moved off its node like
   * a drained one (the emptied replica is then a stray and dropped there).
   */
  readonly stoppedGraceMs?: number;
  readonly onWarning?: (message: string) => void;
}

interface StoredReport extends PartitionReportInput {
  readonly nodeId: string;
  readonly receivedMs: number;
}

/** Replicas remembered per kind (a limit on memory; more are found on later heartbeats). */
const SEEN_MAX = 10_000;

/**
 * Replicas (node, partition) some condition holds for, with since when: what nodes report in
 * their heartbeats, forgotten when a node's heartbeat no longer shows them.
 */
class SeenSince {
  private readonly since = new Map<string, { nodeId: string; partitionId: string; ms: number }>();

  /** What `nodeId` reports now: new pairs start their time, pairs it dropped are forgotten. */
  update(nodeId: string, partitionIds: readonly string[], nowMs: number): void {
    const now = new Set(partitionIds);
    for (const [key, seen] of this.since) {
      if (seen.nodeId === nodeId && !now.has(seen.partitionId)) this.since.delete(key);
    }
    for (const partitionId of now) {
      const key = `${nodeId}/${partitionId}`;
      if (!this.since.has(key) && this.since.size < SEEN_MAX)
        this.since.set(key, { nodeId, partitionId, ms: nowMs });
    }
  }

  /** The pairs seen for at least `graceMs`, as [nodeId, partitionId]. */
  due(nowMs: number, graceMs: number): [string, string][] {
    return [...this.since.values()]
      .filter((seen) => nowMs - seen.ms >= graceMs)
      .map((seen) => [seen.nodeId, seen.partitionId]);
  }

  clear(): void {
    this.since.clear();
  }
}

/** Reports kept per node (a limit on one heartbeat's weight in memory). */
export const REPORTS_PER_NODE_MAX = 10_000;

/** The leader-only loop. */
export class LeaderWork {
  private detector: FailureDetector;
  private wasLeader = false;
  private readonly reports = new Map<string, StoredReport>();
  /** Each action's key → the tick before which it is not started again (∞ while running). */
  private readonly actions = new Map<string, number>();
  private inFlight = 0;
  private busy = false;
  private readonly everyTicks: number;
  private readonly retryTicks: number;
  private readonly actionsMax: number;
  private readonly statsEveryRounds: number;
  private rounds = 0;
  private tracker: HotPartitionTracker;
  /** Replicas reported stopped, since when. */
  private readonly stopped = new SeenSince();
  /** Replicas the map does not place where they are, since when. */
  private readonly strays = new SeenSince();
  /** Partitions with a split asked of storage and not yet recorded → the epoch it started at. */
  private readonly splitting = new Map<string, number>();

  constructor(
    private readonly driver: ControlDriver,
    private readonly options: LeaderWorkOptions,
  ) {
    this.detector = new FailureDetector(options.config);
    this.tracker = new HotPartitionTracker(options.config);
    this.everyTicks = options.reconcileEveryTicks ?? 5;
    this.retryTicks = options.retryAfterTicks ?? 20;
    this.actionsMax = options.actionsInFlightMax ?? 16;
    this.statsEveryRounds = options.statsEveryRounds ?? 60;
  }

  /** Storage actions running or waiting out a retry delay (admin view, tests). */
  get actionsPending(): number {
    return this.actions.size;
  }

  /** A storage node's heartbeat: liveness plus its partition reports (leader-local). */
  heartbeat(nodeId: string, reports: readonly PartitionReportInput[]): void {
    if (!this.driver.isLeader) return;
    this.detector.recordHeartbeat(nodeId, this.options.clock());
    this.noteStrays(nodeId, reports.slice(0, REPORTS_PER_NODE_MAX));
    for (const report of reports.slice(0, REPORTS_PER_NODE_MAX)) {
      const known = this.reports.get(report.partitionId);
      // Keep the leader's report when there is one: it has the figures that matter.
      if (known !== undefined && known.leader && !report.leader) continue;
      this.reports.set(report.partitionId, { ...report, nodeId, receivedMs: this.options.clock() });
    }
  }

  /**
   * Remembers which replicas `nodeId` reports that the map does not place on it: a follower at
   * the map's epoch, of a partition with no move in flight. Forgets what the node stopped reporting.
   */
  private noteStrays(nodeId: string, reports: readonly PartitionReportInput[]): void {
    const state = this.driver.state;
    const nowMs = this.options.clock();
    const strays: string[] = [];
    for (const report of reports) {
      const partition = lookup(state.partitions, report.partitionId);
      if (report.leader || partition === undefined || report.epoch !== partition.epoch) continue;
      if (partition.replicas.some((r) => r.nodeId === nodeId)) continue;
      if (moveOfPartition(state, partition.partitionId) !== undefined) continue;
      strays.push(partition.partitionId);
    }
    this.strays.update(nodeId, strays, nowMs);
    const stopped = reports.filter((r) => r.stopped === true).map((r) => r.partitionId);
    this.stopped.update(nodeId, stopped, nowMs);
  }

  /**
   * Partitions not known to be whole right now: no fresh report from their leader (within the
   * failure detector's suspect time), a report at another epoch, or a voter its leader does not
   * see caught up. A rolling upgrade takes no further replica down while any is listed.
   */
  laggingPartitionIds(state: ControlState): string[] {
    const nowMs = this.options.clock();
    const lagging: string[] = [];
    for (const partition of Object.values(state.partitions)) {
      const report = this.reports.get(partition.partitionId);
      const fresh =
        report !== undefined &&
        report.leader &&
        report.epoch === partition.epoch &&
        nowMs - report.receivedMs <= this.options.config.suspectAfterMs;
      const caughtUp = new Set(report?.caughtUpNodeIds ?? []);
      const whole =
        fresh && partition.replicas.every((r) => r.role !== 'voter' || caughtUp.has(r.nodeId));
      if (!whole) lagging.push(partition.partitionId);
    }
    return lagging;
  }

  /** One tick: on the leader, every `reconcileEveryTicks`, plan and propose. */
  async tick(): Promise<void> {
    const leader = this.driver.isLeader;
    if (leader !== this.wasLeader) this.resetSoftState();
    this.wasLeader = leader;
    if (!leader || this.busy || this.driver.tickCount % this.everyTicks !== 0) return;
    this.busy = true;
    try {
      await this.round();
    } finally {
      this.busy = false;
    }
  }

  private resetSoftState(): void {
    this.detector = new FailureDetector(this.options.config);
    this.tracker = new HotPartitionTracker(this.options.config);
    this.reports.clear();
    this.actions.clear();
    this.splitting.clear();
    this.strays.clear();
    this.stopped.clear();
  }

  private async round(): Promise<void> {
    const nowMs = this.options.clock();
    const state = this.driver.state;
    this.rounds += 1;
    // A replica reported stopped past its grace period is moved off its node (a repair move);
    // the stopped leftover is then a stray, dropped there.
    const stopped = new Set(
      this.stopped.due(nowMs, this.options.stoppedGraceMs ?? 5_000).map(([n, p]) => `${n}/${p}`),
    );
    const plan = planReconcile(state, this.detector, nowMs, this.options.config, stopped);
    const splitting = this.partitionsSplitting(state);
    // A replica change must not race a split on one Raft group: the child would keep the old
    // replica set while the control plane recorded the new one.
    const planned = plan.commands.filter(
      (c) => c.type !== 'begin-move' || !splitting.has(c.partitionId),
    );
    const commands: Command[] = [...planned, ...this.reportCommands(state, nowMs)];
    await Promise.all(commands.map(async (command) => this.proposeQuietly(command)));
    this.startActions(this.driver.state, plan.moveSteps);
    this.startTransfers(this.driver.state, plan.leaderTransfers);
    this.startSplits(this.driver.state, nowMs);
    this.startStrayDrops(this.driver.state, nowMs);
  }

  /** Drops replicas reported as strays for longer than the grace period. */
  private startStrayDrops(state: ControlState, nowMs: number): void {
    const executor = this.options.executor;
    if (executor === null) return;
    for (const [nodeId, partitionId] of this.strays.due(
      nowMs,
      this.options.strayGraceMs ?? 15_000,
    )) {
      this.start(
        `drop-replica:${nodeId}/${partitionId}`,
        state,
        (s) => executor.dropReplica(s, nodeId, partitionId),
        () => null,
      );
    }
  }

  /**
   * Partitions a split is under way for: asked of storage and not recorded yet, or reported by
   * their leader at an epoch past the control plane's (split by a previous leader that did not
   * live to record it).
   */
  private partitionsSplitting(state: ControlState): Set<string> {
    for (const [partitionId, epoch] of this.splitting) {
      if (lookup(state.partitions, partitionId)?.epoch !== epoch)
        this.splitting.delete(partitionId);
    }
    const splitting = new Set(this.splitting.keys());
    for (const report of this.reports.values()) {
      const partition = lookup(state.partitions, report.partitionId);
      if (report.leader && partition !== undefined && report.epoch > partition.epoch)
        splitting.add(report.partitionId);
    }
    return splitting;
  }

  /**
   * Splits by size and request rate (`planSplits` over the leaders' reports), and the recording
   * of splits a previous leader asked for but did not record. Storage splits first (one Raft
   * entry), then `split-partition` records it with the child id both sides derive.
   */
  private startSplits(state: ControlState, nowMs: number): void {
    const executor = this.options.executor;
    if (executor === null) return;
    const loads: PartitionLoadReport[] = [];
    for (const report of this.reports.values()) {
      const partition = lookup(state.partitions, report.partitionId);
      if (!report.leader || partition === undefined) continue;
      if (report.epoch === partition.epoch + 1 && !this.splitting.has(partition.partitionId)) {
        this.startSplit(executor, state, partition, null, 0.5, 'recovered');
        continue;
      }
      const samples = report.samples ?? [];
      loads.push({
        partitionId: report.partitionId,
        epoch: report.epoch,
        sizeBytes: report.sizeBytes,
        requestUnitsPerSecond: report.requestUnitsPerSecond ?? 0,
        sizeSamples: samples,
        // A hot partition splits at the median of its requests; at its data's while the node
        // has sampled no requests (an older node, or too few requests to sample yet).
        requestSamples:
          report.requestSamples !== undefined && report.requestSamples.length > 0
            ? report.requestSamples
            : samples,
      });
    }
    const room = (this.options.splitsInFlightMax ?? 1) - this.splitting.size;
    const decisions = planSplits(state, loads, this.tracker, nowMs, this.options.config, room);
    for (const decision of decisions) {
      const partition = lookup(state.partitions, decision.partitionId);
      if (partition === undefined || this.splitting.has(partition.partitionId)) continue;
      const { splitHash, leftFraction } = decision.point;
      this.startSplit(executor, state, partition, splitHash, leftFraction, decision.cause);
    }
  }

  private startSplit(
    executor: StorageExecutor,
    state: ControlState,
    partition: PartitionRecord,
    splitHash: HashHex | null,
    leftFraction: number,
    reason: SplitReason,
  ): void {
    const { partitionId, epoch } = partition;
    const newPartitionId = splitChildId(partitionId, epoch + 1);
    let splitAt: HashHex | null = null;
    this.start(
      `split:${partitionId}:${epoch}`,
      state,
      async (s) => {
        this.splitting.set(partitionId, epoch);
        const outcome = await executor.splitPartition(s, {
          partitionId,
          expectedEpoch: epoch,
          splitHash,
          newPartitionId,
        });
        if (outcome.ok && outcome.done) splitAt = outcome.splitHash;
        // Not split (refused, not the leader, unreachable): free the slot. A split whose answer
        // was lost shows up in the leader's next report, at the new epoch, and is recorded then.
        else this.splitting.delete(partitionId);
        return outcome.ok ? { ok: true, done: outcome.done } : outcome;
      },
      () =>
        splitAt === null
          ? null
          : {
              type: 'split-partition',
              partitionId,
              expectedEpoch: epoch,
              splitHash: splitAt,
              newPartitionId,
              reason,
              leftFraction,
              nowMs: this.options.clock(),
            },
    );
  }

  private async proposeQuietly(command: Command): Promise<void> {
    const outcome = await this.driver.propose(command);
    if (outcome.ok || outcome.error.kind === 'not-leader') return;
    const reason =
      outcome.error.kind === 'rejected' ? outcome.error.error.message : outcome.error.message;
    // A refusal of background work is normal (a stale report, a raced move); say it and move on.
    if (outcome.error.kind !== 'rejected') this.options.onWarning?.(`${command.type}: ${reason}`);
  }

  /** mark-partition-leader for new leaders, record-partition-stats for changed figures. */
  private reportCommands(state: ControlState, nowMs: number): Command[] {
    const commands: Command[] = [];
    const stats = [];
    for (const report of this.reports.values()) {
      const partition = lookup(state.partitions, report.partitionId);
      if (partition === undefined || !report.leader) continue;
      const nodeId = report.nodeId;
      if (partition.leaderNodeId !== nodeId || report.term > partition.leaderTerm) {
        commands.push({
          type: 'mark-partition-leader',
          partitionId: partition.partitionId,
          nodeId,
          term: report.term,
          nowMs,
        });
      }
      if (
        report.epoch === partition.epoch &&
        (report.sizeBytes !== partition.sizeBytes || report.itemCount !== partition.itemCount)
      ) {
        stats.push({
          partitionId: report.partitionId,
          epoch: report.epoch,
          sizeBytes: report.sizeBytes,
          itemCount: report.itemCount,
        });
      }
    }
    if (stats.length > 0 && this.rounds % this.statsEveryRounds === 1 % this.statsEveryRounds)
      commands.push({ type: 'record-partition-stats', reports: stats.slice(0, 1_000), nowMs });
    return commands;
  }

  private startActions(state: ControlState, steps: readonly MoveStep[]): void {
    const executor = this.options.executor;
    if (executor === null) return;
    // Forget delays that are over: what is still needed is planned again below (a bound on the map).
    for (const [key, notBefore] of this.actions) {
      if (notBefore <= this.driver.tickCount) this.actions.delete(key);
    }
    for (const partition of Object.values(state.partitions)) {
      const table = lookup(state.tables, partition.tableId);
      if (table?.status !== 'CREATING' || partition.leaderNodeId !== null) continue;
      this.start(
        `create:${partition.partitionId}:${partition.epoch}`,
        state,
        (s) => executor.createReplicas(s, partition.partitionId),
        () => null,
      );
    }
    for (const step of steps) {
      this.start(
        `move:${step.kind}:${step.partitionId}:${step.nodeId ?? ''}`,
        state,
        (s) => executor.runMoveStep(s, step),
        (s) => moveCommand(s, step, this.options.clock()),
      );
    }
    for (const table of Object.values(state.tables)) {
      if (table.status !== 'DELETING') continue;
      this.start(
        `drop:${table.tableId}`,
        state,
        (s) => executor.dropTable(s, table.tableId),
        () => ({
          type: 'drop-table',
          tableId: table.tableId,
          nowMs: this.options.clock(),
        }),
      );
    }
  }

  /**
   * Leadership transfers balance leaders across nodes. The new leader's report moves the map on
   * (mark-partition-leader); a transfer is not asked again for a while, done or not.
   */
  private startTransfers(state: ControlState, transfers: readonly PlannedLeaderTransfer[]): void {
    const executor = this.options.executor;
    if (executor === null) return;
    for (const transfer of transfers) {
      this.start(
        `transfer:${transfer.partitionId}:${transfer.toNodeId}`,
        state,
        (s) => executor.transferLeadership(s, transfer),
        () => null,
      );
    }
  }

  /** Starts one idempotent action unless it is running or waiting out its retry delay. */
  private start(
    key: string,
    state: ControlState,
    action: (state: ControlState) => ReturnType<StorageExecutor['createReplicas']>,
    onDone: (state: ControlState) => Command | null,
  ): void {
    const notBefore = this.actions.get(key);
    if (notBefore !== undefined && notBefore > this.driver.tickCount) return;
    if (this.inFlight >= this.actionsMax) return;
    this.inFlight += 1;
    this.actions.set(key, Number.POSITIVE_INFINITY);
    const run = async (): Promise<void> => {
      const outcome = await action(state);
      if (!outcome.ok) this.options.onWarning?.(`${key}: ${outcome.message}`);
      const command = outcome.ok && outcome.done ? onDone(this.driver.state) : null;
      if (command !== null) await this.proposeQuietly(command);
      // Done actions are forgotten once the state moves on; others are retried after a delay.
      this.actions.set(
        key,
        this.driver.tickCount +
          (outcome.ok && outcome.done ? this.retryTicks * 5 : this.retryTicks),
      );
    };
    run()
      .catch((error: unknown) => {
        this.options.onWarning?.(`${key}: ${String(error)}`);
        this.actions.set(key, this.driver.tickCount + this.retryTicks);
      })
      .finally(() => {
        this.inFlight -= 1;
      });
  }
}

/** The command that records a completed move step. */
function moveCommand(state: ControlState, step: MoveStep, nowMs: number): Command | null {
  const move = Object.values(state.moves).find((m) => m.partitionId === step.partitionId);
  if (move === undefined) return null;
  switch (step.kind) {
    case 'add-learner':
      return { type: 'advance-move', moveId: move.moveId, phase: 'catching-up', nowMs };
    case 'await-catch-up':
      return { type: 'advance-move', moveId: move.moveId, phase: 'promoting', nowMs };
    case 'promote-learner':
      return { type: 'advance-move', moveId: move.moveId, phase: 'removing', nowMs };
    case 'remove-replica':
      return { type: 'finish-move', moveId: move.moveId, nowMs };
  }
}
