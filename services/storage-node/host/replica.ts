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
} from '../../../lib/raft/index.js';
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
  readonly deadlineTick: number;
  readonly resolve: (answer: ReplicaAnswer<Applied>) => void;
}

interface PendingRead {
  index: number | undefined;
  readonly deadlineTick: number;
  readonly resolve: (answer: ReplicaAnswer<null>) => void;
}

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

  private async handleReady(ready: Ready): Promise<void> {
    if (ready.softState !== null) this.noteSoftState(ready.softState.role, ready.softState.leader);
    const image = ready.snapshot?.data ?? new Uint8Array(0);
    if (ready.snapshot !== null && image.length > 0) {
      // The image goes into the engine and is flushed BEFORE the log records the snapshot:
      // RocksDB's own WAL is not synced, and a log that forgot the entries an engine lost
      // could never replay them.
      const installed = await this.machine.installSnapshot(image);
      if (!installed.ok) return this.stop(installed.reason);
      const flushed = await this.machine.flush();
      if (!flushed.ok) return this.stop(flushed.reason);
      this.env.observe.snapshotInstalled(image.length);
      this.env.learnAddresses(this.machine.meta.addresses);
    }
    const started = performance.now();
    const persisted = await this.log.persist({
      // The image went to the engine; the log keeps only the snapshot's metadata.
      snapshot:
        ready.snapshot === null
          ? null
          : { metadata: ready.snapshot.metadata, data: new Uint8Array(0) },
      entries: ready.entries,
      hardState: ready.hardState,
    });
    if (!persisted.ok) return this.stop(`log write failed: ${persisted.reason}`);
    if (ready.mustSync) this.env.observe.logSync(performance.now() - started, ready.entries.length);
    if (ready.snapshot !== null)
      this.appliedIndex = Math.max(this.appliedIndex, ready.snapshot.metadata.index);
    await this.sendMessages(ready.messages);
    await this.applyCommitted(ready.committedEntries);
    for (const state of ready.readStates) {
      const read = this.reads.get(decoder.decode(state.context));
      if (read !== undefined) read.index = state.index;
    }
    this.node.advance();
    this.releaseReads();
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

  /**
   * Applies committed entries. Consecutive writes are staged and written in one engine batch;
   * their clients are answered only after that batch is written. Any other entry first writes
   * what is staged.
   */
  private async applyCommitted(entries: readonly Entry[]): Promise<void> {
    const staged: { entry: Entry; result: Applied }[] = [];
    const flush = async (): Promise<void> => {
      await this.check(this.machine.flushStaged());
      // A failed batch stopped the replica: its clients learn that the outcome is unknown.
      const failed = this.stopped !== undefined;
      for (const { entry, result } of staged.splice(0))
        this.resolve(entry, failed ? undefined : result);
    };
    for (const entry of entries) {
      if (this.stopped !== undefined) break;
      const command = this.stageable(entry);
      if (command !== undefined) {
        staged.push({ entry, result: await this.machine.stageWrite(entry.index, command) });
      } else {
        await flush();
        this.resolve(entry, await this.applyEntry(entry));
      }
      this.appliedIndex = Math.max(this.appliedIndex, entry.index);
    }
    await flush();
    if (entries.length > 0) this.env.observe.applied(entries.length);
  }

  /** The write command of an entry that can join a staged batch. */
  private stageable(entry: Entry): WriteCommand | undefined {
    if (
      entry.type !== 'normal' ||
      entry.data.length === 0 ||
      entry.index <= this.machine.engineApplied
    )
      return undefined;
    const command = decodeCommand(entry.data);
    return command?.kind === 'write' ? command : undefined;
  }

  private async applyEntry(entry: Entry): Promise<Applied | undefined> {
    if (entry.type === 'confChange') {
      // The engine records the index first, so a compaction point (engine index, membership)
      // never pairs an index with a membership change that comes after it.
      if (entry.index > this.machine.engineApplied)
        await this.check(this.machine.applyNothing(entry.index));
      const change = decodeConfChange(entry.data);
      this.node.applyConfChange(change);
      if (change.changes.some((c) => c.type === 'removeNode' && c.nodeId === this.env.nodeId))
        this.removed = true;
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
    if (command.kind === 'write') throw new Error('replica: write entries are staged');
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
