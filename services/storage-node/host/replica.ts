// One partition replica: a Raft group member driven by the host. It turns Raft's Ready into
// effects in the order the core requires (persist, then send, then apply, then answer reads),
// resolves client proposals when their entry is applied, and gates reads by consistency.
//
// Time is the host's single ticker: `tick()` is the only clock, so request deadlines are counted
// in ticks, and the replica itself has no timers.
import {
  RawNode,
  decodeConfChange,
  type ConfChange,
  type ConfState,
  type Entry,
  type RaftError,
  type RaftMessage,
  type RaftStatus,
  type RandomSource,
  type Ready,
  type Snapshot,
} from '../../../lib/raft/index.js';
import { validateOperation } from '../commands/index.js';
import type { Engine } from '../engine/engine.js';
import {
  decodeCommand,
  encodeCommand,
  type ReplicatedCommand,
  type WriteCommand,
} from './entry-codec.js';
import type { GroupLog } from './log-provider.js';
import type { PartitionMeta } from './partition-meta.js';
import { PartitionStateMachine, type SplitApplied, type WriteApplied } from './state-machine.js';

/** Limits and timing of one replica. */
export interface ReplicaLimits {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Proposals waiting to be applied; more are refused as unavailable (backpressure). */
  readonly proposalsInFlightMax: number;
  /** Consistent reads waiting for a read index. */
  readonly readsInFlightMax: number;
  /** Ticks a proposal or read may wait before it is answered as unavailable. */
  readonly requestTimeoutTicks: number;
}

/** What a replica needs from its host. */
export interface ReplicaEnvironment {
  readonly nodeId: string;
  readonly engine: Engine;
  readonly limits: ReplicaLimits;
  readonly random: RandomSource;
  /** Queues messages for their destination nodes. */
  send(partitionId: string, messages: readonly RaftMessage[]): void;
  /** Called when a split applied here: the host starts the child replica. */
  startChild(child: PartitionMeta): Promise<void>;
  /** A fresh node-local group number for a split child. */
  allocateGroupNumber(): number;
  /** Learns member addresses. */
  learnAddresses(addresses: Readonly<Record<string, string>>): void;
  /** Observers for metrics. */
  readonly observe: ReplicaObserver;
  /** Milliseconds on a monotonic clock, for the metrics' durations only. */
  now(): number;
}

/** Metric hooks (all optional to implement as no-ops). */
export interface ReplicaObserver {
  proposed(count: number): void;
  applied(count: number): void;
  becameLeader(partitionId: string, leader: boolean): void;
  /** An election this replica took part in as candidate ended: won or lost. */
  election(outcome: 'won' | 'lost'): void;
  /** The replica saw a new leader. */
  leaderChanged(): void;
  logSync(durationMs: number, entries: number): void;
  /** One of this leader's proposals was seen committed, `durationMs` after it was proposed. */
  committed(durationMs: number): void;
  /** One batch of committed entries took `durationMs` to apply to the engine. */
  applyBatch(durationMs: number, entries: number): void;
  snapshotSent(bytes: number): void;
  snapshotInstalled(bytes: number): void;
}

/** What a client request waiting on the replica gets back. */
export type ReplicaAnswer<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'not-leader'; readonly leaderId: string; readonly term: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

type Applied = WriteApplied | SplitApplied | null;

interface PendingProposal {
  readonly term: number;
  /** When it was proposed ({@link ReplicaEnvironment.now}). */
  readonly proposedAt: number;
  readonly deadlineTick: number;
  readonly resolve: (answer: ReplicaAnswer<Applied>) => void;
}

interface PendingRead {
  index: number | undefined;
  readonly deadlineTick: number;
  readonly resolve: (answer: ReplicaAnswer<null>) => void;
}

/** A committed write entry and its decoded command, on its way to the apply queue. */
interface PlannedWrite {
  readonly entry: Entry;
  readonly command: WriteCommand;
}

/** Apply batches queued behind the engine before the Ready loop waits for them. */
const applyBatchesMax = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One partition replica hosted on this node. */
export class Replica {
  private readonly pending = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  private readCounter = 0;
  private ticks = 0;
  private pumping = false;
  private again = false;
  private appliedIndex: number;
  /** The apply queue: resolves when every batch queued so far has been applied. */
  private applyTail: Promise<void> = Promise.resolve();
  private applyBatches = 0;
  /** Term and vote as durable in the log (messages of a newer term or vote wait for it). */
  private durable: { readonly term: number; readonly vote: string };
  /** Why the replica stopped serving (a failed log write or engine write); undefined if live. */
  stopped: string | undefined;
  /** Set once a conf change removing this node was applied; the host then destroys it. */
  removed = false;
  role = 'follower';
  leaderId = '';

  private constructor(
    private readonly env: ReplicaEnvironment,
    private readonly node: RawNode,
    private readonly log: GroupLog,
    private readonly machine: PartitionStateMachine,
  ) {
    this.appliedIndex = Math.max(machine.engineApplied, log.storage.firstIndex() - 1);
    const status = node.status();
    this.durable = { term: status.term, vote: status.vote };
  }

  /** Starts a replica on its log and engine state. */
  static create(
    env: ReplicaEnvironment,
    meta: PartitionMeta,
    log: GroupLog,
    engineApplied: number,
  ): { ok: true; value: Replica } | { ok: false; reason: string } {
    const node = RawNode.create({
      id: env.nodeId,
      storage: log.storage,
      random: env.random,
      electionTicks: env.limits.electionTicks,
      heartbeatTicks: env.limits.heartbeatTicks,
      // Entries after the log's snapshot are handed out again on restart, so membership
      // changes are re-applied to Raft; their engine effects are skipped up to engineApplied.
      applied: log.storage.firstIndex() - 1,
    });
    if (!node.ok) return { ok: false, reason: node.error };
    const machine = new PartitionStateMachine(env.engine, meta, engineApplied);
    return { ok: true, value: new Replica(env, node.value, log, machine) };
  }

  /** The partition's current metadata (range, epoch). */
  get meta(): PartitionMeta {
    return this.machine.meta;
  }

  /** The index whose effects the engine holds. */
  get applied(): number {
    return Math.max(this.appliedIndex, this.machine.engineApplied);
  }

  /**
   * The index the engine holds (written, not merely staged) and the membership, for a later
   * {@link compactLog} once an engine flush that starts after this call has finished.
   */
  compactionPoint(): { index: number; confState: ConfState } {
    return { index: this.machine.engineApplied, confState: this.node.status().confState };
  }

  /**
   * After the engine flushed everything up to `point.index`: tells the log, records a log
   * snapshot there (metadata only: images are built from the engine when sent) and drops the
   * entries before it except the last `retainEntries`, which lagging followers may still need.
   */
  compactLog(point: { index: number; confState: ConfState }, retainEntries: number): void {
    if (this.stopped !== undefined) return;
    const storage = this.log.storage;
    const reported = this.log.reportFlushed(point.index);
    if (!reported.ok) return this.stop(`log refused the flushed index: ${reported.reason}`);
    const current = storage.snapshot();
    const snapshotIndex = typeof current === 'string' ? 0 : current.metadata.index;
    if (point.index <= snapshotIndex || point.index > storage.lastIndex()) return;
    const created = storage.createSnapshot(point.index, point.confState, new Uint8Array(0));
    if (typeof created === 'string') return;
    const compactTo = point.index + 1 - retainEntries;
    if (compactTo > storage.firstIndex()) storage.compact(compactTo);
  }

  /** Raft's view of the group. */
  status(): RaftStatus {
    return this.node.status();
  }

  /** One tick of the node's ticker. */
  tick(): void {
    if (this.stopped !== undefined) return;
    this.ticks++;
    this.node.tick();
    this.expire();
    this.schedule();
  }

  /** Delivers a message from a peer. */
  step(message: RaftMessage): void {
    if (this.stopped !== undefined) return;
    this.node.step(message);
    this.schedule();
  }

  /** Starts an election now (tests; production lets the ticker decide). */
  campaign(): void {
    this.node.campaign();
    this.schedule();
  }

  /** Proposes a command and resolves once it is applied here (leader only). */
  propose(command: ReplicatedCommand): Promise<ReplicaAnswer<Applied>> {
    const refused = this.refuseUnlessLeader<Applied>();
    if (refused !== undefined) return Promise.resolve(refused);
    if (this.pending.size >= this.env.limits.proposalsInFlightMax) {
      return Promise.resolve({ kind: 'unavailable', reason: 'too many writes in flight' });
    }
    return this.track(this.node.propose(encodeCommand(command)));
  }

  /** Proposes a membership change and resolves once it is applied here. */
  proposeConfChange(change: ConfChange): Promise<ReplicaAnswer<Applied>> {
    const refused = this.refuseUnlessLeader<Applied>();
    if (refused !== undefined) return Promise.resolve(refused);
    return this.track(this.node.proposeConfChange(change));
  }

  /** Asks the leader to hand leadership to `to`. */
  transferLeadership(to: string): ReplicaAnswer<null> {
    const refused = this.refuseUnlessLeader<null>();
    if (refused !== undefined) return refused;
    const started = this.node.transferLeadership(to);
    this.schedule();
    return started.ok ? { kind: 'done', value: null } : this.raftRefusal(started.error);
  }

  /**
   * Waits until a read may be served from the engine here. ConsistentRead needs the leader and
   * a read index (served at once under the leader lease); eventual reads pass on any replica.
   */
  readBarrier(consistent: boolean): Promise<ReplicaAnswer<null>> {
    if (this.stopped !== undefined)
      return Promise.resolve({ kind: 'unavailable', reason: this.stopped });
    if (!consistent) return Promise.resolve({ kind: 'done', value: null });
    const refused = this.refuseUnlessLeader<null>();
    if (refused !== undefined) return Promise.resolve(refused);
    if (this.reads.size >= this.env.limits.readsInFlightMax) {
      return Promise.resolve({ kind: 'unavailable', reason: 'too many reads in flight' });
    }
    const context = String(++this.readCounter);
    const asked = this.node.readIndex(encoder.encode(context));
    if (!asked.ok) return Promise.resolve(this.raftRefusal(asked.error));
    return new Promise((resolve) => {
      const deadlineTick = this.ticks + this.env.limits.requestTimeoutTicks;
      this.reads.set(context, { index: undefined, deadlineTick, resolve });
      this.schedule();
    });
  }

  /** Stops serving: answers everything waiting as unavailable. */
  stop(reason: string): void {
    this.stopped ??= reason;
    for (const [index, proposal] of this.pending) {
      this.pending.delete(index);
      proposal.resolve({ kind: 'unavailable', reason });
    }
    for (const [context, read] of this.reads) {
      this.reads.delete(context);
      read.resolve({ kind: 'unavailable', reason });
    }
  }

  /** Deletes this replica's data and metadata from the engine (after `stop`). */
  async destroy(): Promise<void> {
    this.stop('replica removed');
    // An apply batch still being written would land after the range delete.
    await this.applyIdle();
    await this.machine.destroy();
  }

  private refuseUnlessLeader<T>(): ReplicaAnswer<T> | undefined {
    if (this.stopped !== undefined) return { kind: 'unavailable', reason: this.stopped };
    if (this.role === 'leader') return undefined;
    return { kind: 'not-leader', leaderId: this.leaderId, term: this.node.status().term };
  }

  private raftRefusal<T>(error: RaftError): ReplicaAnswer<T> {
    if (error.code === 'notLeader')
      return { kind: 'not-leader', leaderId: error.leaderHint, term: this.node.status().term };
    return { kind: 'unavailable', reason: `raft refused: ${error.code}` };
  }

  private track(
    proposed:
      { ok: true; value: { lastIndex: number; term: number } } | { ok: false; error: RaftError },
  ): Promise<ReplicaAnswer<Applied>> {
    if (!proposed.ok) return Promise.resolve(this.raftRefusal(proposed.error));
    this.env.observe.proposed(1);
    return new Promise((resolve) => {
      const deadlineTick = this.ticks + this.env.limits.requestTimeoutTicks;
      this.pending.set(proposed.value.lastIndex, {
        term: proposed.value.term,
        proposedAt: this.env.now(),
        deadlineTick,
        resolve,
      });
      this.schedule();
    });
  }

  private expire(): void {
    for (const [index, proposal] of this.pending) {
      if (proposal.deadlineTick > this.ticks) continue;
      this.pending.delete(index);
      proposal.resolve({ kind: 'unavailable', reason: 'timed out; the write may still apply' });
    }
    for (const [context, read] of this.reads) {
      if (read.deadlineTick > this.ticks) continue;
      this.reads.delete(context);
      read.resolve({ kind: 'unavailable', reason: 'read timed out' });
    }
  }

  /** Runs the Ready loop unless it is already running (then it runs once more). */
  private schedule(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.stopped === undefined && this.node.hasReady()) {
          await this.handleReady(this.node.ready());
        }
      } while (this.again && this.stopped === undefined);
    } catch (error) {
      this.stop(`replica failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * One Ready, pipelined (docs/storage.md, "The Ready pipeline"). The leader sends appends and
   * heartbeats while its own log write runs (Raft thesis §10.2.1), but only once its term and
   * vote are durable and only with a commit index its durable log covers; every other message
   * (votes, acknowledgements, snapshots) leaves after the write. Committed writes go to the
   * apply queue, which applies them in log order while later Readies persist: at once when this
   * log already holds them durably, after the write otherwise. Any other committed entry
   * (membership, split, addresses, no-op) waits for the queue to drain and applies in line.
   */
  private async handleReady(ready: Ready): Promise<void> {
    if (ready.softState !== null) this.noteSoftState(ready.softState.role, ready.softState.leader);
    if (ready.snapshot !== null) {
      await this.applyIdle();
      if (!(await this.installImage(ready.snapshot))) return;
    }
    const durableLast = this.durableLastIndex(ready);
    const { early, late } = this.splitMessages(ready, durableLast);
    const started = this.env.now();
    const persisting = this.log.persist({
      // The image went to the engine; the log keeps only the snapshot's metadata.
      snapshot:
        ready.snapshot === null
          ? null
          : { metadata: ready.snapshot.metadata, data: new Uint8Array(0) },
      entries: ready.entries,
      hardState: ready.hardState,
    });
    if (early.length > 0) this.env.send(this.meta.partitionId, early);
    this.observeCommitted(ready.committedEntries);
    const writes = this.plannedWrites(ready.committedEntries);
    if (writes !== undefined) this.enqueueApply(writes.filter((w) => w.entry.index <= durableLast));
    const persisted = await persisting;
    if (!persisted.ok) return this.stop(`log write failed: ${persisted.reason}`);
    if (ready.mustSync) this.env.observe.logSync(this.env.now() - started, ready.entries.length);
    if (ready.hardState !== null) this.durable = ready.hardState;
    if (ready.snapshot !== null)
      this.appliedIndex = Math.max(this.appliedIndex, ready.snapshot.metadata.index);
    await this.sendMessages(late);
    if (writes !== undefined) {
      this.enqueueApply(writes.filter((w) => w.entry.index > durableLast));
    } else {
      await this.applyIdle();
      const applyStarted = this.env.now();
      await this.applyCommitted(ready.committedEntries);
      this.env.observe.applyBatch(this.env.now() - applyStarted, ready.committedEntries.length);
    }
    if (ready.committedEntries.length > 0) this.env.observe.applied(ready.committedEntries.length);
    for (const state of ready.readStates) {
      const read = this.reads.get(decoder.decode(state.context));
      if (read !== undefined) read.index = state.index;
    }
    // Backpressure: Raft is told these entries are applied, so it hands out more; bound the lag.
    if (this.applyBatches > applyBatchesMax) await this.applyIdle();
    this.node.advance();
    this.releaseReads();
  }

  /**
   * Installs a snapshot's image into the engine and flushes it BEFORE the log records the
   * snapshot: RocksDB's own WAL is not synced, and a log that forgot the entries an engine lost
   * could never replay them. False when the replica stopped.
   */
  private async installImage(snapshot: Snapshot): Promise<boolean> {
    const image = snapshot.data;
    if (image.length === 0) return true;
    const installed = await this.machine.installSnapshot(image);
    if (!installed.ok) {
      this.stop(installed.reason);
      return false;
    }
    const flushed = await this.machine.flush();
    if (!flushed.ok) {
      this.stop(flushed.reason);
      return false;
    }
    this.env.observe.snapshotInstalled(image.length);
    this.env.learnAddresses(this.machine.meta.addresses);
    return true;
  }

  /**
   * The last index of this replica's log that is durable and stays in the log once this Ready
   * is written: earlier Readies were awaited, and this one's entries may replace a suffix.
   */
  private durableLastIndex(ready: Ready): number {
    if (ready.snapshot !== null) return 0;
    const last = this.log.storage.lastIndex();
    const first = ready.entries[0];
    return first === undefined ? last : Math.min(last, first.index - 1);
  }

  /**
   * Which messages may leave before this Ready's write: a leader's appends and heartbeats,
   * when its term and vote are already durable (a vote or a new term must be on disk before
   * anyone hears of it) and their commit index is covered by this log's durable part (so
   * nobody applies an entry that only a minority holds on disk).
   */
  private splitMessages(
    ready: Ready,
    durableLast: number,
  ): { early: RaftMessage[]; late: RaftMessage[] } {
    const hard = ready.hardState;
    const leading =
      this.role === 'leader' &&
      (hard === null || (hard.term === this.durable.term && hard.vote === this.durable.vote));
    const early: RaftMessage[] = [];
    const late: RaftMessage[] = [];
    for (const message of ready.messages) {
      const safe =
        leading &&
        (message.type === 'append' || message.type === 'heartbeat') &&
        message.commit <= durableLast;
      (safe ? early : late).push(message);
    }
    return { early, late };
  }

  private noteSoftState(role: string, leader: string): void {
    const wasLeader = this.role === 'leader';
    // Ready shows only the latest role, so a quick win may skip the candidate state.
    const wasCandidate = this.role === 'candidate' || this.role === 'preCandidate';
    if (role === 'leader' && !wasLeader) this.env.observe.election('won');
    else if (wasCandidate && role === 'follower') this.env.observe.election('lost');
    if (leader !== this.leaderId && leader !== '') this.env.observe.leaderChanged();
    this.role = role;
    this.leaderId = leader;
    if (wasLeader !== (role === 'leader'))
      this.env.observe.becameLeader(this.meta.partitionId, role === 'leader');
    if (wasLeader && role !== 'leader') {
      // Reads waiting for a read index will never get one from this node now.
      for (const [context, read] of this.reads) {
        this.reads.delete(context);
        read.resolve({ kind: 'not-leader', leaderId: leader, term: this.node.status().term });
      }
    }
  }

  private async sendMessages(messages: readonly RaftMessage[]): Promise<void> {
    const outgoing: RaftMessage[] = [];
    for (const message of messages) {
      if (message.type !== 'snapshot' || message.snapshot === undefined) {
        outgoing.push(message);
        continue;
      }
      // Raft's snapshot carries only metadata; attach the engine's image of the partition,
      // which is at an applied index at or past the metadata's (see docs/storage.md).
      const image = await this.machine.buildSnapshot();
      if (!image.ok) {
        this.node.reportSnapshot(message.to, false);
        continue;
      }
      this.env.observe.snapshotSent(image.value.length);
      outgoing.push({ ...message, snapshot: { ...message.snapshot, data: image.value } });
    }
    if (outgoing.length > 0) this.env.send(this.meta.partitionId, outgoing);
  }

  /** Commit latency of this leader's own proposals (proposed → seen committed). */
  private observeCommitted(entries: readonly Entry[]): void {
    if (this.pending.size === 0) return;
    const now = this.env.now();
    for (const entry of entries) {
      const proposal = this.pending.get(entry.index);
      if (proposal !== undefined && proposal.term === entry.term)
        this.env.observe.committed(now - proposal.proposedAt);
    }
  }

  /** The write command of an entry the state machine has not applied yet, if it is one. */
  private plannedWrite(entry: Entry): PlannedWrite | undefined {
    if (
      entry.type !== 'normal' ||
      entry.data.length === 0 ||
      entry.index <= this.machine.engineApplied
    )
      return undefined;
    const command = decodeCommand(entry.data);
    return command?.kind === 'write' ? { entry, command } : undefined;
  }

  /** The entries as writes for the apply queue; undefined when any of them is not one. */
  private plannedWrites(entries: readonly Entry[]): PlannedWrite[] | undefined {
    const writes: PlannedWrite[] = [];
    for (const entry of entries) {
      const write = this.plannedWrite(entry);
      if (write === undefined) return undefined;
      writes.push(write);
    }
    return writes;
  }

  /** Queues writes to apply after those queued before them (log order). */
  private enqueueApply(writes: readonly PlannedWrite[]): void {
    if (writes.length === 0) return;
    this.applyBatches++;
    this.applyTail = this.applyTail.then(async () => {
      try {
        const started = this.env.now();
        await this.applyWrites(writes);
        this.env.observe.applyBatch(this.env.now() - started, writes.length);
        this.releaseReads();
      } catch (error) {
        this.stop(`apply failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.applyBatches--;
      }
    });
  }

  /** Resolves once every queued write is applied (or the replica stopped). */
  private async applyIdle(): Promise<void> {
    await this.applyTail;
  }

  /**
   * Applies consecutive writes in one engine batch (their old items read with one getMany);
   * their clients are answered once that batch is written. Never throws: a failure stops the
   * replica, whose waiting clients then learn that the outcome is unknown.
   */
  private async applyWrites(writes: readonly PlannedWrite[]): Promise<void> {
    if (writes.length === 0 || this.stopped !== undefined) return;
    try {
      // Already in the engine (replayed after a restart, or covered by an installed snapshot).
      const fresh = writes.filter((w) => w.entry.index > this.machine.engineApplied);
      const outcomes = await this.machine.stageWrites(
        fresh.map(({ entry, command }) => ({
          index: entry.index,
          operation: command.operation,
          validated: validateOperation(command.operation, command.request),
        })),
      );
      await this.check(this.machine.flushStaged());
      const failed = this.stopped !== undefined;
      if (!failed) this.appliedIndex = Math.max(this.appliedIndex, writes.at(-1)!.entry.index);
      const results = new Map(fresh.map((w, i) => [w.entry.index, outcomes[i]]));
      for (const { entry } of writes)
        this.resolve(entry, failed ? undefined : results.get(entry.index));
    } catch (error) {
      this.stop(`apply failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Applies committed entries in line (a Ready holding anything but writes): runs of
   * consecutive writes are applied as one batch, every other entry after what precedes it.
   */
  private async applyCommitted(entries: readonly Entry[]): Promise<void> {
    let run: PlannedWrite[] = [];
    for (const entry of entries) {
      if (this.stopped !== undefined) break;
      const write = this.plannedWrite(entry);
      if (write !== undefined) {
        run.push(write);
        continue;
      }
      await this.applyWrites(run);
      run = [];
      if (this.stopped !== undefined) break;
      this.resolve(entry, await this.applyEntry(entry));
      this.appliedIndex = Math.max(this.appliedIndex, entry.index);
    }
    await this.applyWrites(run);
  }

  private async applyEntry(entry: Entry): Promise<Applied | undefined> {
    if (entry.type === 'confChange') {
      // The engine records the index first, so a compaction point (engine index, membership)
      // never pairs an index with a membership change that comes after it.
      // A conf change at or below the engine's index is history the installed image already
      // covers: a replica re-added to a group it left before replays its own old removal after
      // the image, and must not take it for its current fate. Only a newer change decides, and
      // from the configuration it leaves (a removal followed by a re-add keeps the replica).
      const history = entry.index <= this.machine.engineApplied;
      if (!history) await this.check(this.machine.applyNothing(entry.index));
      this.node.applyConfChange(decodeConfChange(entry.data));
      if (!history) this.removed = !isMember(this.node.status().confState, this.env.nodeId);
      return null;
    }
    // Already in the engine (replayed after a restart, or covered by an installed snapshot).
    if (entry.index <= this.machine.engineApplied) return undefined;
    if (entry.data.length === 0) {
      await this.check(this.machine.applyNothing(entry.index));
      return null;
    }
    const command = decodeCommand(entry.data);
    if (command === undefined) {
      this.stop(`undecodable entry at index ${entry.index}`);
      return undefined;
    }
    if (command.kind === 'write') throw new Error('replica: write entries are applied in runs');
    if (command.kind === 'addresses') {
      this.env.learnAddresses(command.addresses);
      await this.check(this.machine.applyAddresses(entry.index, { ...command.addresses }));
      return null;
    }
    const voters = this.node.status().confState.voters;
    const split = await this.check(
      this.machine.applySplit(entry.index, command, this.env.allocateGroupNumber(), voters),
    );
    if (split?.kind === 'split') await this.env.startChild(split.child);
    return split;
  }

  private async check<T>(
    pending: Promise<{ ok: true; value: T } | { ok: false; reason: string }>,
  ): Promise<T | undefined> {
    const done = await pending;
    if (done.ok) return done.value;
    this.stop(done.reason);
    return undefined;
  }

  private resolve(entry: Entry, result: Applied | undefined): void {
    const proposal = this.pending.get(entry.index);
    if (proposal === undefined) return;
    this.pending.delete(entry.index);
    if (proposal.term !== entry.term) {
      proposal.resolve({
        kind: 'unavailable',
        reason: 'the proposal was replaced by a new leader',
      });
    } else if (result === undefined) {
      proposal.resolve({ kind: 'unavailable', reason: this.stopped ?? 'outcome unknown' });
    } else {
      proposal.resolve({ kind: 'done', value: result });
    }
  }

  private releaseReads(): void {
    for (const [context, read] of this.reads) {
      if (read.index === undefined || read.index > this.applied) continue;
      this.reads.delete(context);
      read.resolve({ kind: 'done', value: null });
    }
  }
}

/** Whether `nodeId` is in any part of a configuration (voter, learner, joint halves). */
export function isMember(conf: ConfState, nodeId: string): boolean {
  return (
    conf.voters.includes(nodeId) ||
    conf.learners.includes(nodeId) ||
    conf.votersOutgoing.includes(nodeId) ||
    conf.learnersNext.includes(nodeId)
  );
}
