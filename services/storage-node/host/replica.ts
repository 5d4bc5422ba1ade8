// One partition replica: a Raft group member driven by the host. It turns Raft's Ready into
// effects (persist, send, apply, answer reads) as a pipeline (docs/storage.md, "The Ready
// pipeline"), resolves client proposals when their entry is applied, and gates reads by
// consistency.
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
  type Ready,
  type Snapshot,
} from '../../../lib/raft/index.js';
import { ApplyQueue, planWrite, planWrites, type PlannedWrite } from './apply-queue.js';
import { DurableWatermark, splitMessages } from './durability.js';
import { decodeCommand, encodeCommand, type ReplicatedCommand } from './entry-codec.js';
import type { GroupLog, LogResult } from './log-provider.js';
import type { PartitionMeta } from './partition-meta.js';
import { PartitionStateMachine, validateWriteCommand } from './state-machine.js';
import type { ReplicaEnvironment } from './replica-environment.js';
import { WaitingRequests, type Applied, type ReplicaAnswer } from './waiting.js';

export type { Applied, ReplicaAnswer } from './waiting.js';

export type { ReplicaEnvironment, ReplicaLimits, ReplicaObserver } from './replica-environment.js';

/** Apply batches queued behind the engine before the Ready loop waits for them. */
const applyBatchesMax = 8;
/** Log writes of one replica in flight before the Ready loop waits for the oldest. */
const logWritesInFlightMax = 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One partition replica hosted on this node. */
export class Replica {
  private readonly waiting = new WaitingRequests();
  private ticks = 0;
  private pumping = false;
  private pumpDeferred = false;
  private again = false;
  private appliedIndex: number;
  /** Committed writes being applied in log order while later Readies persist. */
  private readonly applyQueue = new ApplyQueue();
  /** Messages that wait for their Ready's log write, sent in Ready order. */
  private sendTail: Promise<void> = Promise.resolve();
  private readonly watermark: DurableWatermark;
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
    this.watermark = new DurableWatermark(log.storage.lastIndex(), node.status());
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
    this.waiting.expire(this.ticks);
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
  propose(command: ReplicatedCommand | Uint8Array): Promise<ReplicaAnswer<Applied>> {
    const refused = this.refuseUnlessLeader<Applied>();
    if (refused !== undefined) return Promise.resolve(refused);
    if (this.waiting.proposalCount >= this.env.limits.proposalsInFlightMax) {
      return Promise.resolve({ kind: 'unavailable', reason: 'too many writes in flight' });
    }
    const data = command instanceof Uint8Array ? command : encodeCommand(command);
    return this.track(this.node.propose(data));
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
    if (this.waiting.readCount >= this.env.limits.readsInFlightMax) {
      return Promise.resolve({ kind: 'unavailable', reason: 'too many reads in flight' });
    }
    return new Promise((resolve) => {
      const deadlineTick = this.ticks + this.env.limits.requestTimeoutTicks;
      const context = this.waiting.addRead(deadlineTick, resolve);
      const asked = this.node.readIndex(encoder.encode(context));
      if (asked.ok) this.schedule();
      else this.waiting.cancelRead(context, this.raftRefusal(asked.error));
    });
  }

  /** Stops serving: answers everything waiting as unavailable. */
  stop(reason: string): void {
    this.stopped ??= reason;
    this.waiting.stopAll(reason);
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

  private raftRefusal(error: RaftError): Exclude<ReplicaAnswer<never>, { kind: 'done' }> {
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
      this.waiting.addProposal(proposed.value.lastIndex, {
        term: proposed.value.term,
        proposedAt: this.env.now(),
        deadlineTick,
        resolve,
      });
      this.schedule();
    });
  }

  /**
   * Runs the Ready loop after this event-loop turn, unless it is running (then it runs once
   * more). Deferring it lets every proposal and message of one turn share one Ready: one log
   * record, one message per follower.
   */
  private schedule(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.pumpDeferred) return;
    this.pumpDeferred = true;
    this.env.defer(() => {
      this.pumpDeferred = false;
      if (this.pumping) {
        this.again = true;
        return;
      }
      this.pumping = true;
      void this.pump();
    });
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
   * One Ready, as a pipeline stage (docs/storage.md, "The Ready pipeline"). Its log write is
   * queued, not awaited: the shared log makes writes durable in queue order, and whatever
   * promises durable state waits for the watermark instead. The leader's appends and
   * heartbeats leave at once (durability.ts says which); every other message leaves once this
   * Ready is durable. Committed writes join the apply queue, which applies them in log order,
   * each batch once this log holds it durably. Any other committed entry (membership, split,
   * addresses, no-op) waits for everything before it and applies in line, so Raft is told
   * applied only what is.
   */
  private async handleReady(ready: Ready): Promise<void> {
    if (ready.softState !== null) this.noteSoftState(ready.softState.role, ready.softState.leader);
    if (ready.snapshot !== null) {
      if (!(await this.quiesce())) return;
      if (!(await this.installImage(ready.snapshot))) return;
    }
    const durable = this.persist(ready);
    // A refused write (queue full, failed log) would only show when it resolves; Raft must not
    // be told these entries are stable meanwhile.
    const lastNew = ready.entries.at(-1);
    if (lastNew !== undefined && this.log.storage.lastIndex() !== lastNew.index)
      return this.stop('the log refused a write');
    const leading = this.role === 'leader' && this.watermark.termVoteDurable();
    const { early, late } = splitMessages(ready.messages, leading, this.watermark.index);
    if (early.length > 0) this.env.send(this.meta.partitionId, early);
    this.sendAfter(durable, late);
    for (const latency of this.waiting.commitLatencies(ready.committedEntries, this.env.now()))
      this.env.observe.committed(latency);
    const writes = planWrites(ready.committedEntries, this.machine.engineApplied);
    if (writes !== undefined) {
      const durableIndex = this.watermark.index;
      this.enqueueApply(writes.filter((w) => w.entry.index <= durableIndex));
      this.enqueueApply(
        writes.filter((w) => w.entry.index > durableIndex),
        durable,
      );
    } else {
      if (!(await this.quiesce())) return;
      const started = this.env.now();
      await this.applyCommitted(ready.committedEntries);
      this.env.observe.applyBatch(this.env.now() - started, ready.committedEntries.length);
    }
    if (ready.committedEntries.length > 0) this.env.observe.applied(ready.committedEntries.length);
    for (const state of ready.readStates)
      this.waiting.setReadIndex(decoder.decode(state.context), state.index);
    // Backpressure: Raft takes these entries as persisted and applied and hands out more.
    if (this.applyQueue.size > applyBatchesMax) await this.applyIdle();
    if (this.watermark.writesInFlight > logWritesInFlightMax) await this.watermark.idle();
    this.node.advance();
    this.waiting.releaseReads(this.applied);
  }

  /** Queues the Ready's log write; the promise resolves once it (and all before it) is durable. */
  private persist(ready: Ready): Promise<LogResult<void>> {
    const started = this.env.now();
    const firstNew = ready.entries[0]?.index;
    const persisting = this.log.persist({
      // The image went to the engine; the log keeps only the snapshot's metadata.
      snapshot:
        ready.snapshot === null
          ? null
          : { metadata: ready.snapshot.metadata, data: new Uint8Array(0) },
      entries: ready.entries,
      hardState: ready.hardState,
    });
    const durable = this.watermark.issue(
      { firstNew, hardState: ready.hardState, lastIndex: this.log.storage.lastIndex() },
      persisting,
    );
    if (ready.mustSync || ready.snapshot !== null) {
      void durable.then((done) => {
        if (!done.ok) return;
        if (ready.mustSync)
          this.env.observe.logSync(this.env.now() - started, ready.entries.length);
        if (ready.snapshot !== null)
          this.appliedIndex = Math.max(this.appliedIndex, ready.snapshot.metadata.index);
      });
    }
    return durable;
  }

  /** Waits until every log write is durable and every queued write applied; false if stopped. */
  private async quiesce(): Promise<boolean> {
    const durable = await this.watermark.idle();
    if (!durable.ok) this.stop(`log write failed: ${durable.reason}`);
    await this.applyIdle();
    return this.stopped === undefined;
  }

  /** Sends messages once `durable` resolves, after those of earlier Readies. */
  private sendAfter(durable: Promise<LogResult<void>>, messages: readonly RaftMessage[]): void {
    this.sendTail = this.sendTail.then(async () => {
      const done = await durable;
      if (!done.ok) return this.stop(`log write failed: ${done.reason}`);
      if (messages.length === 0 || this.stopped !== undefined) return;
      try {
        await this.sendMessages(messages);
      } catch (error) {
        this.stop(`send failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
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
    if (installed.value.length > 0)
      await this.env.adoptChildren(this.machine.meta, installed.value);
    return true;
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
    // Reads waiting for a read index will never get one from this node now.
    if (wasLeader && role !== 'leader')
      this.waiting.failReads({
        kind: 'not-leader',
        leaderId: leader,
        term: this.node.status().term,
      });
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
   * Queues writes to apply after those queued before them (log order), once `durable` says
   * this log holds them (a leader counts itself in a quorum before its own write is done).
   */
  private enqueueApply(writes: readonly PlannedWrite[], durable?: Promise<LogResult<void>>): void {
    if (writes.length === 0) return;
    this.applyQueue.enqueue(
      async () => {
        const done = durable === undefined ? undefined : await durable;
        if (done?.ok === false) return this.stop(`log write failed: ${done.reason}`);
        const started = this.env.now();
        await this.applyWrites(writes);
        this.env.observe.applyBatch(this.env.now() - started, writes.length);
        this.waiting.releaseReads(this.applied);
      },
      (error) =>
        this.stop(`apply failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** Resolves once every queued write is applied (or the replica stopped). */
  private async applyIdle(): Promise<void> {
    await this.applyQueue.idle();
  }

  /**
   * Applies consecutive writes in one engine batch (their old items read with one getMany);
   * their clients are answered as soon as that batch is written. A failure stops the replica,
   * whose waiting clients then learn that the outcome is unknown.
   */
  private async applyWrites(writes: readonly PlannedWrite[]): Promise<void> {
    if (writes.length === 0 || this.stopped !== undefined) return;
    // Already in the engine (replayed after a restart, or covered by an installed snapshot).
    const fresh = writes.filter((w) => w.entry.index > this.machine.engineApplied);
    const outcomes = await this.machine.stageWrites(
      fresh.map(({ entry, command }) => validateWriteCommand(entry.index, command, this.meta)),
    );
    await this.check(this.machine.flushStaged());
    const failed = this.stopped !== undefined;
    if (!failed) this.appliedIndex = Math.max(this.appliedIndex, writes.at(-1)!.entry.index);
    const results = new Map(fresh.map((w, i) => [w.entry.index, outcomes[i]]));
    for (const { entry } of writes)
      this.waiting.resolveProposal(
        entry,
        failed ? undefined : results.get(entry.index),
        this.stopped,
      );
  }

  /**
   * Applies committed entries in line (a Ready holding anything but writes): runs of
   * consecutive writes are applied as one batch, every other entry after what precedes it.
   */
  private async applyCommitted(entries: readonly Entry[]): Promise<void> {
    let run: PlannedWrite[] = [];
    for (const entry of entries) {
      if (this.stopped !== undefined) break;
      const write = planWrite(entry, this.machine.engineApplied);
      if (write !== undefined) {
        run.push(write);
        continue;
      }
      await this.applyWrites(run);
      run = [];
      if (this.stopped !== undefined) break;
      const result = await this.applyEntry(entry);
      this.waiting.resolveProposal(entry, result, this.stopped);
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
    if (
      command.kind === 'write' ||
      command.kind === 'batch-write' ||
      command.kind === 'blind-batch'
    )
      throw new Error('replica: write entries are applied in runs');
    if (command.kind === 'addresses') {
      this.env.learnAddresses(command.addresses);
      await this.check(this.machine.applyAddresses(entry.index, { ...command.addresses }));
      return null;
    }
    const voters = this.node.status().confState.voters;
    const split = await this.check(
      this.machine.applySplit(entry.index, command, this.env.allocateGroupNumber(), voters),
    );
    if (split?.kind === 'split') await this.env.startChild(split.child, this.role === 'leader');
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
