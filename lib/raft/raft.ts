// The Raft state machine: roles, terms, elections (with PreVote and CheckQuorum), log
// replication, commitment, snapshots, leadership transfer, membership and reads. It has
// no I/O: messages come in through `step`, time through `tick`, and everything it wants
// done accumulates in `messages` / `readStates` and the log for RawNode to hand out.
// Modelled on etcd's raft.go; deviations are listed in docs/raft.md.

import { computeConfChange, configFromConfState } from './conf-change.js';
import type { ConfigAndProgress } from './conf-change.js';
import type { ValidatedConfig } from './config.js';
import { RaftLog } from './raft-log.js';
import { ReadTracker } from './read-tracker.js';
import { ProgressTracker } from './tracker.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  NodeId,
  RaftError,
  RaftMessage,
  ReadState,
  Result,
  Role,
} from './types.js';
import { NO_NODE, encodeConfChange, entrySizeBytes, err, makeMessage, ok } from './types.js';
import { handleAppend, handleHeartbeat, handleSnapshot } from './follower.js';
import { handleLeaderMessage, maybeSendAppend, sendHeartbeats } from './replication.js';

/** The index and term a proposal was appended at. */
export interface Proposed {
  firstIndex: number;
  lastIndex: number;
  term: number;
}

/** The core state machine of one group member. */
export class Raft {
  readonly id: NodeId;
  readonly config: ValidatedConfig;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  readonly reads = new ReadTracker();
  term = 0;
  vote: NodeId = NO_NODE;
  lead: NodeId = NO_NODE;
  role: Role = 'follower';
  isLearner = false;
  /** Outgoing messages accumulated since the last Ready. */
  messages: RaftMessage[] = [];
  readStates: ReadState[] = [];
  /** Ticks since this node's election timer was reset. */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Ticks since a leader of the current term was heard from (0 at boot: see docs). */
  ticksSinceLeaderContact = 0;
  /** Ticks since this node started; the leader lease is measured in these. */
  tickCount = 0;
  leadTransferee: NodeId = NO_NODE;
  /** The index of the last conf change appended; a new one waits until it is applied. */
  pendingConfIndex = 0;
  uncommittedBytes = 0;
  /** Proposals appended since the last broadcast (sent when the host asks for a Ready). */
  needsBroadcast = false;
  /** Reads waiting for a heartbeat round that has not been opened yet. */
  needsReadRound = false;

  constructor(config: ValidatedConfig) {
    this.id = config.id;
    this.config = config;
    const { hardState, confState } = config.storage.initialState();
    this.log = new RaftLog(config.storage, config.applied);
    this.tracker = new ProgressTracker(config.maxInflightMessages, config.maxInflightBytes);
    this.switchToConfig(configFromConfState(this.tracker, confState, this.log.lastIndex()));
    // A commit below the snapshot is fine (the snapshot is committed by definition); one
    // beyond the log means the storage lost entries it had acknowledged.
    if (hardState.commit > this.log.lastIndex()) {
      throw new Error(
        `raft: hard state commit ${hardState.commit} beyond last index ${this.log.lastIndex()}`,
      );
    }
    this.log.committed = Math.max(this.log.committed, hardState.commit);
    if (this.log.applied > this.log.committed) {
      throw new Error(`raft: applied ${this.log.applied} beyond commit ${this.log.committed}`);
    }
    this.becomeFollower(hardState.term, NO_NODE);
    this.vote = hardState.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Whether this node may campaign: it is a voter and has no snapshot pending. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id) && !this.log.hasPendingSnapshot();
  }

  send(message: RaftMessage): void {
    this.messages.push(message);
  }

  // ---- role transitions ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.config.electionTicks + this.config.random.nextInt(this.config.electionTicks);
    this.leadTransferee = NO_NODE;
    this.tracker.resetVotes();
    const lastIndex = this.log.lastIndex();
    for (const [id, pr] of this.tracker.progress) {
      const fresh = this.tracker.newProgress(lastIndex + 1, pr.isLearner);
      if (id === this.id) fresh.match = lastIndex;
      this.tracker.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.needsBroadcast = false;
    this.needsReadRound = false;
    this.reads.reset();
  }

  becomeFollower(term: number, lead: NodeId): void {
    // A node that was leader counts as having just heard from a leader: it must not help
    // depose itself while its lease may still be relied on.
    if (this.role === 'leader') this.ticksSinceLeaderContact = 0;
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  private becomePreCandidate(): void {
    if (this.role === 'leader') throw new Error('raft: leader cannot become pre-candidate');
    // A pre-candidate keeps its term and vote; only the tally restarts.
    this.tracker.resetVotes();
    this.role = 'preCandidate';
    this.lead = NO_NODE;
  }

  private becomeCandidate(): void {
    if (this.role === 'leader') throw new Error('raft: leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    if (this.role === 'follower') throw new Error('raft: follower cannot become leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.ticksSinceLeaderContact = 0;
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) self.becomeReplicate();
    // Conf changes in the uncommitted tail may be pending: wait until they are applied.
    this.pendingConfIndex = this.log.lastIndex();
    // The empty entry commits the tail of earlier terms (§5.4.2) and enables reads.
    this.appendEntries([{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }], true);
  }

  // ---- ticks ----

  tick(): void {
    this.tickCount++;
    if (this.role === 'leader') {
      this.ticksSinceLeaderContact = 0;
      this.tickLeader();
    } else {
      this.ticksSinceLeaderContact++;
      this.electionElapsed++;
      if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
        this.electionElapsed = 0;
        this.campaign(false);
      }
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          this.becomeFollower(this.term, NO_NODE);
          return;
        }
        for (const [id, pr] of this.tracker.progress) if (id !== this.id) pr.recentActive = false;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      this.leadTransferee = NO_NODE;
    }
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id || pr.state !== 'snapshot') continue;
      pr.snapshotElapsedTicks++;
      if (pr.snapshotElapsedTicks > 2 * this.config.electionTicks) {
        // The snapshot (or its answer) was lost; probe again, which resends it.
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      sendHeartbeats(this);
    }
  }

  // ---- elections ----

  /** Starts an election (a pre-vote first when enabled). `transfer` overrides stickiness. */
  campaign(transfer: boolean): void {
    if (!this.promotable() || this.role === 'leader') return;
    if (this.hasUnappliedConfChange()) return;
    if (this.config.preVote && !transfer) this.startElection('preVote', false);
    else this.startElection('vote', transfer);
  }

  private hasUnappliedConfChange(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Infinity);
    if (typeof entries === 'string') return false;
    return entries.some((entry) => entry.type === 'confChange');
  }

  private startElection(kind: 'preVote' | 'vote', transfer: boolean): void {
    let term: number;
    if (kind === 'preVote') {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'preVote') this.startElection('vote', transfer);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.tracker.voterIds()) {
      if (id === this.id) continue;
      this.send(
        makeMessage({
          type: kind,
          from: this.id,
          to: id,
          term,
          index: lastIndex,
          logTerm: lastTerm,
          commit: this.log.committed,
          forceVote: transfer,
        }),
      );
    }
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    this.tracker.recordVote(id, granted);
    return this.tracker.tallyVotes();
  }

  // ---- message handling ----

  /** Handles one message from a peer. */
  step(m: RaftMessage): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        const sticky =
          this.config.checkQuorum &&
          (this.role === 'leader' || this.ticksSinceLeaderContact < this.config.electionTicks);
        // While a leader is (recently) heard from, campaigns are ignored without even
        // learning their term: a partitioned node cannot disrupt a healthy leader.
        if (sticky && !m.forceVote) return;
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResponse' && !m.reject)) {
        // A pre-vote does not change terms; a granted pre-vote answer carries the
        // future term of the campaign and must not bump ours either.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NO_NODE);
      }
    } else if (m.term < this.term) {
      this.stepStaleTerm(m);
      return;
    }
    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    if (this.role === 'leader') handleLeaderMessage(this, m);
    else if (this.role === 'follower') this.stepFollower(m);
    else this.stepCandidate(m);
  }

  private stepStaleTerm(m: RaftMessage): void {
    if (
      (this.config.checkQuorum || this.config.preVote) &&
      (m.type === 'heartbeat' || m.type === 'append')
    ) {
      // A stale leader cut off by stickiness would otherwise never learn the new term.
      this.send(
        makeMessage({ type: 'appendResponse', from: this.id, to: m.from, term: this.term }),
      );
    } else if (m.type === 'preVote') {
      this.send(
        makeMessage({
          type: 'preVoteResponse',
          from: this.id,
          to: m.from,
          term: this.term,
          reject: true,
        }),
      );
    }
  }

  private handleVoteRequest(m: RaftMessage): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_NODE && this.lead === NO_NODE) ||
      (m.type === 'preVote' && m.term > this.term);
    const upToDate =
      this.config.unsafeTestingKnobs.disableVoteUpToDateCheck === true ||
      this.log.isUpToDate(m.index, m.logTerm);
    const responseType = m.type === 'vote' ? 'voteResponse' : 'preVoteResponse';
    if (canVote && upToDate) {
      this.send(makeMessage({ type: responseType, from: this.id, to: m.from, term: m.term }));
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(
        makeMessage({
          type: responseType,
          from: this.id,
          to: m.from,
          term: this.term,
          reject: true,
        }),
      );
    }
  }

  private stepCandidate(m: RaftMessage): void {
    const responseType = this.role === 'preCandidate' ? 'preVoteResponse' : 'voteResponse';
    if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
      this.becomeFollower(m.term, m.from);
      this.stepFollower(m);
    } else if (m.type === responseType) {
      const result = this.poll(m.from, !m.reject);
      if (result === 'won') {
        if (this.role === 'preCandidate') this.startElection('vote', false);
        else this.becomeLeader();
      } else if (result === 'lost') {
        this.becomeFollower(this.term, NO_NODE);
      }
    }
  }

  private stepFollower(m: RaftMessage): void {
    if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
      this.electionElapsed = 0;
      this.ticksSinceLeaderContact = 0;
      this.lead = m.from;
      if (m.type === 'append') handleAppend(this, m);
      else if (m.type === 'heartbeat') handleHeartbeat(this, m);
      else handleSnapshot(this, m);
    } else if (m.type === 'timeoutNow') {
      this.campaign(true);
    }
  }

  // ---- proposals, membership, transfer, reads (the host's calls) ----

  private refuseUnlessLeader(): RaftError | null {
    if (this.role !== 'leader') return { code: 'notLeader', leaderHint: this.lead };
    if (this.leadTransferee !== NO_NODE) {
      return { code: 'leadershipTransferInProgress', leaderHint: this.id };
    }
    return null;
  }

  /** Appends application entries (leader only). */
  propose(datas: readonly Uint8Array[]): Result<Proposed> {
    const refusal = this.refuseUnlessLeader();
    if (refusal !== null) return err(refusal);
    if (datas.length === 0 || datas.length > this.config.maxEntriesPerProposal) {
      return err({ code: 'proposalQueueFull', leaderHint: this.id });
    }
    const entries: Entry[] = datas.map((data) => ({ term: 0, index: 0, type: 'normal', data }));
    return this.appendEntries(entries, false);
  }

  /** Appends a membership change (leader only; one at a time). */
  proposeConfChange(change: ConfChange): Result<Proposed> {
    const refusal = this.refuseUnlessLeader();
    if (refusal !== null) return err(refusal);
    if (this.pendingConfIndex > this.log.applied) {
      return err({ code: 'confChangeInProgress', leaderHint: this.id });
    }
    const computed = computeConfChange(this.tracker, change, this.log.lastIndex());
    if (!computed.ok) return computed;
    const entry: Entry = { term: 0, index: 0, type: 'confChange', data: encodeConfChange(change) };
    const result = this.appendEntries([entry], false);
    if (result.ok) this.pendingConfIndex = result.value.lastIndex;
    return result;
  }

  private appendEntries(entries: Entry[], internal: boolean): Result<Proposed> {
    let bytes = 0;
    for (const entry of entries) bytes += entrySizeBytes(entry);
    if (
      !internal &&
      this.uncommittedBytes > 0 &&
      this.uncommittedBytes + bytes > this.config.maxUncommittedEntriesBytes
    ) {
      return err({ code: 'proposalQueueFull', leaderHint: this.id });
    }
    this.uncommittedBytes += bytes;
    const firstIndex = this.log.lastIndex() + 1;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      entries[i] = { term: this.term, index: firstIndex + i, type: entry.type, data: entry.data };
    }
    const lastIndex = this.log.append(entries);
    this.tracker.progress.get(this.id)?.maybeUpdate(lastIndex);
    this.maybeCommit();
    this.needsBroadcast = true;
    return ok({ firstIndex, lastIndex, term: this.term });
  }

  /** Advances the commit index to what a quorum holds; returns whether it moved. */
  maybeCommit(): boolean {
    const before = this.log.committed;
    const moved = this.log.maybeCommit(
      this.tracker.committed(),
      this.term,
      this.config.unsafeTestingKnobs.commitPreviousTermEntries === true,
    );
    if (moved && before < this.log.committed && this.committedInCurrentTerm()) {
      this.reads.setUnknownIndexes(this.log.committed);
      this.readStates.push(...this.reads.release());
    }
    return moved;
  }

  committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /**
   * Sends what proposals and reads since the last Ready need: appends to followers and
   * one heartbeat round for all waiting reads. RawNode calls this before building a
   * Ready, so requests arriving together share messages.
   */
  flushProposals(): void {
    if (this.role === 'leader' && this.needsReadRound) sendHeartbeats(this);
    this.needsReadRound = false;
    if (!this.needsBroadcast) return;
    this.needsBroadcast = false;
    if (this.role !== 'leader') return;
    for (const id of this.tracker.memberIds()) {
      if (id !== this.id) while (maybeSendAppend(this, id, false));
    }
  }

  /** Hands leadership to `to` once its log is caught up (leader only). */
  transferLeadership(to: NodeId): Result<null> {
    if (this.role !== 'leader') return err({ code: 'notLeader', leaderHint: this.lead });
    const pr = this.tracker.progress.get(to);
    if (pr === undefined || pr.isLearner || !this.tracker.isVoter(to)) {
      return err({ code: 'invalidTransferTarget', reason: `${to} is not a voter` });
    }
    if (to === this.id || this.leadTransferee === to) return ok(null);
    this.electionElapsed = 0;
    this.leadTransferee = to;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else maybeSendAppend(this, to, true);
    return ok(null);
  }

  sendTimeoutNow(to: NodeId): void {
    // The transferee will win with forced votes that ignore stickiness, so from here on
    // this term's lease guarantees nothing.
    this.reads.forfeitLease();
    this.send(makeMessage({ type: 'timeoutNow', from: this.id, to, term: this.term }));
  }

  /** Requests a linearizable read point; it appears in a later Ready's readStates. */
  readIndex(context: Uint8Array): Result<null> {
    if (this.role !== 'leader') return err({ code: 'notLeader', leaderHint: this.lead });
    const committedHere = this.committedInCurrentTerm();
    if (
      committedHere &&
      this.config.leaseReads &&
      this.reads.leaseValid(this.tickCount, this.config.leaseTicks)
    ) {
      this.readStates.push({ index: this.log.committed, context, viaLease: true });
      return ok(null);
    }
    if (committedHere && this.tracker.voterIds().length === 1 && this.tracker.isVoter(this.id)) {
      this.readStates.push({ index: this.log.committed, context, viaLease: false });
      return ok(null);
    }
    if (this.reads.pendingCount() >= this.config.maxPendingReads) {
      return err({ code: 'readQueueFull', leaderHint: this.id });
    }
    // Any round opened from now on confirms this read; the next Ready opens one.
    this.reads.addPending(context, committedHere ? this.log.committed : -1);
    this.needsReadRound = true;
    return ok(null);
  }

  /** Applies a committed membership change; invalid ones are ignored identically everywhere. */
  applyConfChange(change: ConfChange): Result<ConfState> {
    const computed = computeConfChange(this.tracker, change, this.log.lastIndex());
    if (!computed.ok) return computed;
    this.switchToConfig(computed.value);
    return ok(this.tracker.confState());
  }

  /** Installs a new configuration (conf change applied, snapshot restored, or boot). */
  switchToConfig(next: ConfigAndProgress): void {
    this.tracker.config = next.config;
    this.tracker.progress = next.progress;
    this.isLearner = next.config.learners.has(this.id);
    this.reads.invalidateAcknowledgements();
    if (this.role !== 'leader') return;
    if (!this.tracker.isVoter(this.id)) {
      // Removed or demoted: tell followers the commit index, then stand down.
      for (const id of this.tracker.memberIds())
        if (id !== this.id) maybeSendAppend(this, id, true);
      this.becomeFollower(this.term, NO_NODE);
      return;
    }
    if (this.leadTransferee !== NO_NODE && !this.tracker.isVoter(this.leadTransferee)) {
      this.leadTransferee = NO_NODE;
    }
    this.maybeCommit();
    for (const id of this.tracker.memberIds()) if (id !== this.id) maybeSendAppend(this, id, true);
  }

  /** Records what the host applied; a leader then leaves an auto-leave joint config. */
  appliedTo(index: number, appliedBytes: number): void {
    this.log.appliedTo(index);
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - appliedBytes);
    if (
      this.role === 'leader' &&
      this.tracker.config.autoLeave &&
      index >= this.pendingConfIndex &&
      this.leadTransferee === NO_NODE
    ) {
      const leave: ConfChange = { changes: [], transition: 'auto' };
      const entry: Entry = { term: 0, index: 0, type: 'confChange', data: encodeConfChange(leave) };
      const result = this.appendEntries([entry], true);
      if (result.ok) this.pendingConfIndex = result.value.lastIndex;
    }
  }
}
