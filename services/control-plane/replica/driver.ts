// The control plane's replicated state machine driver: one lib/raft RawNode whose entries are
// the core's commands. The caller owns the only timer and calls `tick()`; everything else —
// persisting Readies before sending, applying committed commands, answering the proposer —
// happens here, serialised by one pump. Every `snapshotEveryEntries` applied entries the driver
// writes a snapshot image of its state and compacts the log behind it (snapshot-log.ts); a
// follower that needs compacted entries gets that image from the leader. The leader's background
// work lives in leader-work.ts.
import { RawNode, Xoshiro128 } from '../../../lib/raft/index.js';
import type { Entry, RaftMessage, Ready } from '../../../lib/raft/index.js';
import { applyCommand, decodeCommand, encodeCommand } from '../core/commands/index.js';
import type { Command, CommandResults } from '../core/commands/index.js';
import type { ControlConfig } from '../core/config.js';
import type { ControlError } from '../core/errors.js';
import { PartitionMapFeed } from '../core/partition-map.js';
import type { PartitionMapChange } from '../core/partition-map.js';
import { createInitialState } from '../core/state.js';
import type { ControlState } from '../core/state.js';
import type { DriverLog } from './driver-log.js';
import { decodeSnapshotImage, encodeSnapshotImage, SNAPSHOT_BYTES_MAX } from './snapshot-file.js';

/** Why a proposal got no answer from the state machine. */
export type DriverError =
  | { readonly kind: 'not-leader'; readonly leaderId: string }
  | { readonly kind: 'unavailable'; readonly message: string }
  | { readonly kind: 'rejected'; readonly error: ControlError };

/** The outcome of a proposal. */
export type ProposeOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DriverError };

/** Something the driver tells its host about (logs, metrics). */
export type DriverEvent =
  | { readonly kind: 'applied'; readonly command: Command; readonly ok: boolean }
  | { readonly kind: 'role'; readonly leaderId: string; readonly leader: boolean }
  | { readonly kind: 'warning'; readonly message: string }
  | {
      readonly kind: 'snapshot';
      /** The log index the image was taken (or, when `received`, installed) at. */
      readonly index: number;
      readonly bytes: number;
      /** True when the image came from the leader rather than this replica's own state. */
      readonly received: boolean;
    }
  | { readonly kind: 'fatal'; readonly message: string };

/** How to build a driver. */
export interface DriverOptions {
  readonly replicaId: string;
  /** The Raft log; founding members' logs already hold the bootstrap snapshot. */
  readonly log: DriverLog;
  readonly config: ControlConfig;
  /** Wall-clock milliseconds, stamped into commands (injected: tests use a fake clock). */
  readonly clock: () => number;
  /** Seeds the election-timeout randomness. */
  readonly randomSeed: number;
  /** Hands Raft messages to the peer transport (called after the Ready is durable). */
  readonly send: (messages: readonly RaftMessage[]) => void;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Ticks a proposal may wait for its entry to apply. */
  readonly proposalTimeoutTicks?: number;
  /** Proposals waiting at once (a limit: the rest are refused as unavailable). */
  readonly pendingProposalsMax?: number;
  /** Applied entries between two snapshots (default {@link SNAPSHOT_EVERY_ENTRIES_DEFAULT}). */
  readonly snapshotEveryEntries?: number;
  /**
   * Entries kept in the log behind a snapshot (default {@link SNAPSHOT_RETAIN_ENTRIES_DEFAULT}),
   * so a follower a little behind catches up from entries instead of a whole image.
   */
  readonly snapshotRetainEntries?: number;
  readonly onEvent?: (event: DriverEvent) => void;
}

interface Waiter {
  readonly term: number;
  readonly deadlineTick: number;
  readonly resolve: (outcome: ProposeOutcome<unknown>) => void;
}

/** Readies handled in one pump before yielding to the next tick (a bound on one turn). */
const READIES_PER_PUMP_MAX = 64;

/**
 * Default applied entries between snapshots. Restart replays at most this many (plus the
 * retained ones), well under a second; an image of a large catalog (a few MB) written this
 * rarely costs nothing noticeable, even though every stats batch and leader change is an entry.
 */
export const SNAPSHOT_EVERY_ENTRIES_DEFAULT = 5_000;

/** Default entries kept behind a snapshot for followers that are only a little behind. */
export const SNAPSHOT_RETAIN_ENTRIES_DEFAULT = 500;

/** One control-plane replica's Raft loop and state machine. */
export class ControlDriver {
  private readonly node: RawNode;
  private currentState: ControlState;
  private readonly mapFeed: PartitionMapFeed;
  private readonly waiters = new Map<number, Waiter>();
  private readonly watchers = new Set<(change: PartitionMapChange) => void>();
  private ticks = 0;
  private appliedIndex: number;
  private leader = '';
  private leaderSinceIndex = Number.POSITIVE_INFINITY;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private stopped: string | null = null;
  private readonly timeoutTicks: number;
  private readonly waitersMax: number;
  private readonly snapshotEvery: number;
  private readonly snapshotRetain: number;
  /** The index of the newest snapshot in the log (the bootstrap one at first). */
  private snapshotIndex: number;
  /** No snapshot is attempted before this applied index (set after a failed attempt). */
  private snapshotNotBefore = 0;

  constructor(private readonly options: DriverOptions) {
    const snapshot = options.log.snapshot();
    if (typeof snapshot === 'string') throw new Error(`control driver: log snapshot ${snapshot}`);
    let state = createInitialState();
    if (snapshot.data.length > 0) {
      // The restart path: the state as of the snapshot; Raft hands out only the entries after it.
      const decoded = decodeSnapshotImage(snapshot.data);
      if (!decoded.ok) throw new Error(`control driver: snapshot unreadable: ${decoded.message}`);
      state = decoded.value.state;
    }
    this.appliedIndex = snapshot.metadata.index;
    this.snapshotIndex = snapshot.metadata.index;
    const created = RawNode.create({
      id: options.replicaId,
      storage: options.log,
      random: new Xoshiro128(options.randomSeed),
      electionTicks: options.electionTicks ?? 10,
      heartbeatTicks: options.heartbeatTicks ?? 1,
      applied: this.appliedIndex,
    });
    if (!created.ok) throw new Error(`control driver: ${created.error}`);
    this.node = created.value;
    this.currentState = state;
    this.mapFeed = new PartitionMapFeed(state);
    this.timeoutTicks = options.proposalTimeoutTicks ?? 200;
    this.waitersMax = options.pendingProposalsMax ?? 1_000;
    this.snapshotEvery = options.snapshotEveryEntries ?? SNAPSHOT_EVERY_ENTRIES_DEFAULT;
    this.snapshotRetain = options.snapshotRetainEntries ?? SNAPSHOT_RETAIN_ENTRIES_DEFAULT;
    if (!Number.isSafeInteger(this.snapshotEvery) || this.snapshotEvery < 1)
      throw new Error(`control driver: snapshotEveryEntries ${this.snapshotEvery}`);
    if (!Number.isSafeInteger(this.snapshotRetain) || this.snapshotRetain < 0)
      throw new Error(`control driver: snapshotRetainEntries ${this.snapshotRetain}`);
  }

  /** The state after every applied command. */
  get state(): ControlState {
    return this.currentState;
  }

  /** The routers' map feed, published after every apply. */
  get feed(): PartitionMapFeed {
    return this.mapFeed;
  }

  /** This replica's id. */
  get replicaId(): string {
    return this.options.replicaId;
  }

  /** The leader this replica knows of ('' when none). */
  get leaderId(): string {
    return this.leader;
  }

  /** True while this replica leads and has applied every entry of earlier terms. */
  get isLeader(): boolean {
    return this.leader === this.options.replicaId && this.appliedIndex >= this.leaderSinceIndex;
  }

  /** The last applied log index. */
  get applied(): number {
    return this.appliedIndex;
  }

  /** The log index of the newest snapshot (taken here or received from the leader). */
  get snapshotAt(): number {
    return this.snapshotIndex;
  }

  /** Ticks so far (the driver's notion of time for retries). */
  get tickCount(): number {
    return this.ticks;
  }

  /** Why the driver stopped (a failed write), or null while it runs. */
  get stoppedReason(): string | null {
    return this.stopped;
  }

  /** Registers a map-change listener; returns the function that removes it. */
  watch(listener: (change: PartitionMapChange) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Advances Raft time by one tick and handles what it produced. */
  async tick(): Promise<void> {
    if (this.stopped !== null) return;
    this.ticks += 1;
    this.node.tick();
    this.expireWaiters();
    await this.kick();
  }

  /** Delivers a peer's message. */
  async step(message: RaftMessage): Promise<void> {
    if (this.stopped !== null) return;
    this.node.step(message);
    await this.kick();
  }

  /** Tells Raft a peer could not be reached (its progress goes back to probing). */
  reportUnreachable(peerId: string): void {
    this.node.reportUnreachable(peerId);
  }

  /** Tells Raft whether the snapshot sent to `peerId` was installed (a failure resends it). */
  reportSnapshot(peerId: string, installed: boolean): void {
    this.node.reportSnapshot(peerId, installed);
  }

  /**
   * Proposes a command and resolves with the state machine's answer once it is applied here.
   * Only the leader proposes; others answer `not-leader` naming the leader they know.
   */
  async propose<C extends Command>(command: C): Promise<ProposeOutcome<CommandResults[C['type']]>> {
    const refused = this.refusal();
    if (refused !== null) return { ok: false, error: refused };
    const proposed = this.node.propose(encodeCommand(command));
    if (!proposed.ok) {
      const hint = 'leaderHint' in proposed.error ? proposed.error.leaderHint : '';
      return proposed.error.code === 'notLeader'
        ? { ok: false, error: { kind: 'not-leader', leaderId: hint } }
        : { ok: false, error: { kind: 'unavailable', message: proposed.error.code } };
    }
    const answer = new Promise<ProposeOutcome<unknown>>((resolve) => {
      this.waiters.set(proposed.value.lastIndex, {
        term: proposed.value.term,
        deadlineTick: this.ticks + this.timeoutTicks,
        resolve,
      });
    });
    await this.kick();
    return (await answer) as ProposeOutcome<CommandResults[C['type']]>;
  }

  /** Ends every waiting proposal (shutdown). */
  close(): void {
    this.stopped ??= 'closed';
    for (const [index, waiter] of this.waiters) {
      this.waiters.delete(index);
      waiter.resolve({ ok: false, error: { kind: 'unavailable', message: 'shutting down' } });
    }
  }

  private refusal(): DriverError | null {
    if (this.stopped !== null) return { kind: 'unavailable', message: `stopped: ${this.stopped}` };
    if (this.leader !== this.options.replicaId)
      return { kind: 'not-leader', leaderId: this.leader };
    if (this.appliedIndex < this.leaderSinceIndex) {
      return { kind: 'unavailable', message: 'new leader still applying earlier entries' };
    }
    if (this.waiters.size >= this.waitersMax) {
      return { kind: 'unavailable', message: `${this.waitersMax} proposals already waiting` };
    }
    return null;
  }

  private expireWaiters(): void {
    for (const [index, waiter] of this.waiters) {
      if (waiter.deadlineTick > this.ticks) continue;
      this.waiters.delete(index);
      waiter.resolve({ ok: false, error: { kind: 'unavailable', message: 'proposal timed out' } });
    }
  }

  /** Runs the pump, or asks the running one to go round again. */
  private kick(): Promise<void> {
    if (this.pumping !== null) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
    return this.pumping;
  }

  private async pump(): Promise<void> {
    let readies = 0;
    do {
      this.pumpAgain = false;
      while (this.stopped === null && this.node.hasReady() && readies < READIES_PER_PUMP_MAX) {
        readies += 1;
        await this.handleReady(this.node.ready());
      }
    } while (this.pumpAgain && this.stopped === null && readies < READIES_PER_PUMP_MAX);
  }

  private async handleReady(ready: Ready): Promise<void> {
    if (ready.softState !== null) this.noteRole(ready.softState.leader);
    if (ready.snapshot !== null || ready.entries.length > 0 || ready.hardState !== null) {
      const persisted = await this.options.log.persistReady(ready);
      if (!persisted.ok) {
        this.stop(
          `log write failed: ${persisted.error?.code ?? 'unknown'} ${persisted.error?.message ?? ''}`,
        );
        return;
      }
    }
    if (ready.snapshot !== null && ready.snapshot.data.length > 0) this.installSnapshot(ready);
    // An image that could not be installed stopped the replica: nothing may apply on top.
    if (this.stopped !== null) return;
    if (ready.messages.length > 0) this.options.send(ready.messages);
    for (const entry of ready.committedEntries) this.applyEntry(entry);
    this.node.advance();
    if (this.appliedIndex >= this.snapshotIndex + this.snapshotEvery) await this.takeSnapshot();
  }

  /**
   * Writes an image of the state as of the applied index and compacts the log behind it,
   * keeping `snapshotRetain` entries. Runs inside the pump, between two Readies, so nothing
   * else touches the log meanwhile. A failed image write is retried a full interval later; a
   * failed log write stops the replica like any other.
   */
  private async takeSnapshot(): Promise<void> {
    const index = this.appliedIndex;
    if (index < this.snapshotNotBefore || this.stopped !== null) return;
    const term = this.options.log.term(index);
    if (typeof term !== 'number') return;
    const image = encodeSnapshotImage(index, term, this.currentState);
    const retry = (message: string): void => {
      this.snapshotNotBefore = index + this.snapshotEvery;
      this.options.onEvent?.({ kind: 'warning', message: `snapshot at ${index}: ${message}` });
    };
    if (image.length > SNAPSHOT_BYTES_MAX)
      return retry(`image of ${image.length} bytes exceeds ${SNAPSHOT_BYTES_MAX}; log kept`);
    const compactIndex = Math.max(this.options.log.firstIndex(), index + 1 - this.snapshotRetain);
    const confState = this.node.status().confState;
    const saved = await this.options.log.persistSnapshot(
      { metadata: { index, term, confState }, data: image },
      compactIndex,
    );
    if (!saved.ok && saved.error?.code === 'snapshot-file')
      return retry(saved.error.message ?? 'image not stored');
    if (!saved.ok) {
      return this.stop(
        `snapshot log write failed: ${saved.error?.code ?? 'unknown'} ${saved.error?.message ?? ''}`,
      );
    }
    this.snapshotIndex = Math.max(this.snapshotIndex, index);
    this.options.onEvent?.({ kind: 'snapshot', index, bytes: image.length, received: false });
  }

  private noteRole(leaderId: string): void {
    const wasLeader = this.leader === this.options.replicaId;
    this.leader = leaderId;
    const isLeader = leaderId === this.options.replicaId;
    // A new leader serves only once it has applied its own first entry: the state it answers
    // from then includes everything committed by earlier leaders.
    if (isLeader && !wasLeader) this.leaderSinceIndex = this.node.status().lastIndex;
    if (!isLeader) this.leaderSinceIndex = Number.POSITIVE_INFINITY;
    this.options.onEvent?.({ kind: 'role', leaderId, leader: isLeader });
  }

  private installSnapshot(ready: Ready): void {
    const snapshot = ready.snapshot;
    if (snapshot === null) return;
    const decoded = decodeSnapshotImage(snapshot.data);
    if (!decoded.ok) {
      this.stop(`snapshot unreadable: ${decoded.message}`);
      return;
    }
    const { index } = snapshot.metadata;
    this.setState(decoded.value.state);
    this.appliedIndex = index;
    this.snapshotIndex = Math.max(this.snapshotIndex, index);
    // Entries the image covers are never applied here: their proposers cannot learn the outcome.
    for (const [waiting, waiter] of this.waiters) {
      if (waiting > index) continue;
      this.waiters.delete(waiting);
      waiter.resolve({
        ok: false,
        error: { kind: 'unavailable', message: 'proposal outcome unknown' },
      });
    }
    this.options.onEvent?.({
      kind: 'snapshot',
      index,
      bytes: snapshot.data.length,
      received: true,
    });
  }

  private applyEntry(entry: Entry): void {
    this.appliedIndex = Math.max(this.appliedIndex, entry.index);
    const waiter = this.waiters.get(entry.index);
    if (waiter !== undefined) this.waiters.delete(entry.index);
    if (entry.type !== 'normal' || entry.data.length === 0) {
      waiter?.resolve({ ok: false, error: { kind: 'unavailable', message: 'proposal lost' } });
      return;
    }
    const decoded = decodeCommand(entry.data);
    if (!decoded.ok) {
      // Every replica skips the same unreadable entry, so they stay identical.
      this.options.onEvent?.({
        kind: 'warning',
        message: `entry ${entry.index}: ${decoded.error.message}`,
      });
      waiter?.resolve({ ok: false, error: { kind: 'rejected', error: decoded.error } });
      return;
    }
    const outcome = applyCommand(this.currentState, decoded.value, { config: this.options.config });
    this.setState(outcome.state);
    this.options.onEvent?.({ kind: 'applied', command: decoded.value, ok: outcome.result.ok });
    if (waiter === undefined) return;
    if (waiter.term !== entry.term) {
      waiter.resolve({ ok: false, error: { kind: 'unavailable', message: 'proposal lost' } });
    } else if (outcome.result.ok) {
      waiter.resolve({ ok: true, value: outcome.result.value });
    } else {
      waiter.resolve({ ok: false, error: { kind: 'rejected', error: outcome.result.error } });
    }
  }

  private setState(state: ControlState): void {
    this.currentState = state;
    const change = this.mapFeed.publish(state);
    if (change === null) return;
    for (const watcher of this.watchers) watcher(change);
  }

  private stop(reason: string): void {
    this.stopped = reason;
    this.options.onEvent?.({ kind: 'fatal', message: reason });
    this.close();
  }
}
