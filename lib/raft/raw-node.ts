// The host-facing API, in the style of etcd's RawNode. A host drives a node like this:
//
//   node.tick() every tick; node.step(m) for each message received;
//   while (node.hasReady()) {
//     const rd = node.ready();
//     persist rd.snapshot, rd.entries, rd.hardState (in that order; sync if rd.mustSync);
//     send rd.messages; install rd.snapshot into the state machine;
//     apply rd.committedEntries (calling applyConfChange for conf-change entries);
//     answer rd.readStates once the applied index reaches their index;
//     node.advance();
//   }
//
// Messages must only leave after the entries and hard state of the same Ready are
// durable: a vote or an acknowledgement is a promise about persisted state.

import { validateConfig } from './config.js';
import type { RaftConfig } from './config.js';
import type { Proposed } from './raft.js';
import { Raft } from './raft.js';
import type { ProgressState } from './progress.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  NodeId,
  RaftMessage,
  ReadState,
  Result,
  Role,
  Snapshot,
  SoftState,
} from './types.js';
import { entrySizeBytes, ok } from './types.js';

/** Everything the host must do, produced by {@link RawNode.ready}. */
export interface Ready {
  /** The leader and role, when they changed since the last Ready. */
  softState: SoftState | null;
  /** The hard state to persist, when it changed. */
  hardState: HardState | null;
  /** Read points released since the last Ready. */
  readStates: ReadState[];
  /** Entries to append to storage (they may overwrite a suffix). */
  entries: Entry[];
  /** A snapshot from the leader to persist and install, or null. */
  snapshot: Snapshot | null;
  /** Committed entries to apply, in order. */
  committedEntries: Entry[];
  /** Messages to send after persisting. */
  messages: RaftMessage[];
  /** Whether persisting must be synced to disk before sending. */
  mustSync: boolean;
}

/** What a peer's replication looks like from the leader. */
export interface PeerProgress {
  match: number;
  next: number;
  state: ProgressState;
  recentActive: boolean;
  isLearner: boolean;
  inflightMessages: number;
}

/** A snapshot of a node's state for operators and the control plane. */
export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId;
  leader: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
  firstIndex: number;
  leadTransferee: NodeId;
  /** Whether reads are currently served under the lease (leaders only). */
  leaseValid: boolean;
  confState: ConfState;
  /** Per-member progress; empty unless this node is leader. */
  progress: Record<NodeId, PeerProgress>;
}

/** One member of one Raft group, driven by its host. */
export class RawNode {
  private readonly raft: Raft;
  private previousSoftState: SoftState;
  private previousHardState: HardState;
  private outstanding: Ready | null = null;

  private constructor(raft: Raft) {
    this.raft = raft;
    this.previousSoftState = { leader: raft.lead, role: raft.role };
    this.previousHardState = raft.hardState();
  }

  /** Creates a node from its configuration and storage; fails on an invalid configuration. */
  static create(config: RaftConfig): Result<RawNode, string> {
    const validated = validateConfig(config);
    if (!validated.ok) return validated;
    return ok(new RawNode(new Raft(validated.value)));
  }

  /** Advances logical time by one tick. */
  tick(): void {
    this.raft.tick();
  }

  /** Delivers a message from a peer. Messages for other nodes or unknown senders' answers are dropped. */
  step(message: RaftMessage): void {
    if (message.to !== this.raft.id) return;
    this.raft.step(message);
  }

  /** Starts an election now (tests and tools; hosts normally let ticks do it). */
  campaign(): void {
    this.raft.campaign(false);
  }

  /** Proposes one application entry (leader only). */
  propose(data: Uint8Array): Result<Proposed> {
    return this.raft.propose([data]);
  }

  /** Proposes several entries at once; they are appended and replicated as one batch. */
  proposeBatch(datas: readonly Uint8Array[]): Result<Proposed> {
    return this.raft.propose(datas);
  }

  /** Proposes a membership change (leader only, one at a time). */
  proposeConfChange(change: ConfChange): Result<Proposed> {
    return this.raft.proposeConfChange(change);
  }

  /** Applies a committed conf-change entry; call it while applying that entry. */
  applyConfChange(change: ConfChange): Result<ConfState> {
    return this.raft.applyConfChange(change);
  }

  /** Asks the leader to hand leadership to `to`. */
  transferLeadership(to: NodeId): Result<null> {
    return this.raft.transferLeadership(to);
  }

  /**
   * Requests a linearizable read. Served at once under the lease, otherwise after a
   * heartbeat round; either way it arrives as a `readStates` element with `context`.
   */
  readIndex(context: Uint8Array): Result<null> {
    return this.raft.readIndex(context);
  }

  /** Tells the leader whether sending a snapshot to `id` succeeded. */
  reportSnapshot(id: NodeId, succeeded: boolean): void {
    const pr = this.raft.tracker.progress.get(id);
    if (this.raft.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (!succeeded) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.paused = true;
  }

  /** Tells the leader that a message to `id` could not be delivered. */
  reportUnreachable(id: NodeId): void {
    const pr = this.raft.tracker.progress.get(id);
    if (this.raft.role === 'leader' && pr !== undefined && pr.state === 'replicate') {
      pr.becomeProbe();
    }
  }

  /** Whether {@link ready} would return anything. */
  hasReady(): boolean {
    const raft = this.raft;
    if (this.outstanding !== null) return false;
    if (raft.needsBroadcast || raft.needsReadRound) return true;
    if (raft.messages.length > 0 || raft.readStates.length > 0) return true;
    if (raft.lead !== this.previousSoftState.leader || raft.role !== this.previousSoftState.role) {
      return true;
    }
    if (!sameHardState(raft.hardState(), this.previousHardState)) return true;
    const unstable = raft.log.unstable;
    if (unstable.entries.length > 0 || unstable.snapshot !== null) return true;
    return raft.log.hasNextCommittedEntries();
  }

  /** Collects the work for the host. Call {@link advance} before the next call. */
  ready(): Ready {
    if (this.outstanding !== null) throw new Error('raw node: ready() before advance()');
    const raft = this.raft;
    raft.flushProposals();
    const softState = { leader: raft.lead, role: raft.role };
    const hardState = raft.hardState();
    const hardChanged = !sameHardState(hardState, this.previousHardState);
    const committedEntries = raft.log.nextCommittedEntries(
      raft.config.maxCommittedSizePerReadyBytes,
    );
    const last = committedEntries[committedEntries.length - 1];
    if (last !== undefined) raft.log.applying = last.index;
    const entries = raft.log.unstable.entries.slice();
    const ready: Ready = {
      softState:
        softState.leader !== this.previousSoftState.leader ||
        softState.role !== this.previousSoftState.role
          ? softState
          : null,
      hardState: hardChanged ? hardState : null,
      readStates: raft.readStates,
      entries,
      snapshot: raft.log.unstable.snapshot,
      committedEntries,
      messages: raft.messages,
      mustSync:
        entries.length > 0 ||
        hardState.term !== this.previousHardState.term ||
        hardState.vote !== this.previousHardState.vote,
    };
    raft.readStates = [];
    raft.messages = [];
    this.previousSoftState = softState;
    this.outstanding = ready;
    return ready;
  }

  /** Acknowledges that the last Ready was fully handled. */
  advance(): void {
    const ready = this.outstanding;
    if (ready === null) throw new Error('raw node: advance() without ready()');
    this.outstanding = null;
    const log = this.raft.log;
    if (ready.hardState !== null) this.previousHardState = ready.hardState;
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry !== undefined) log.unstable.stableTo(lastEntry.index, lastEntry.term);
    if (ready.snapshot !== null) {
      const index = ready.snapshot.metadata.index;
      log.unstable.stableSnapshotTo(index);
      if (index > log.applied) {
        log.applied = index;
        log.applying = Math.max(log.applying, index);
      }
    }
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      let bytes = 0;
      for (const entry of ready.committedEntries) bytes += entrySizeBytes(entry);
      this.raft.appliedTo(lastCommitted.index, bytes);
    }
  }

  /** The node's current state. */
  status(): RaftStatus {
    const raft = this.raft;
    const progress: Record<NodeId, PeerProgress> = {};
    if (raft.role === 'leader') {
      for (const [id, pr] of raft.tracker.progress) {
        progress[id] = {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
          inflightMessages: pr.inflights.count(),
        };
      }
    }
    return {
      id: raft.id,
      role: raft.role,
      term: raft.term,
      vote: raft.vote,
      leader: raft.lead,
      commit: raft.log.committed,
      applied: raft.log.applied,
      lastIndex: raft.log.lastIndex(),
      firstIndex: raft.log.firstIndex(),
      leadTransferee: raft.leadTransferee,
      leaseValid:
        raft.role === 'leader' &&
        raft.config.leaseReads &&
        raft.committedInCurrentTerm() &&
        raft.reads.leaseValid(raft.tickCount, raft.config.leaseTicks),
      confState: raft.tracker.confState(),
      progress,
    };
  }

  /** The id of this node. */
  get id(): NodeId {
    return this.raft.id;
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
