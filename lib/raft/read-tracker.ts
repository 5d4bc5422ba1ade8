// Leader-side bookkeeping for linearizable reads: heartbeat rounds, the ReadIndex queue,
// and the leader lease.
//
// Every heartbeat broadcast opens a numbered round. A voter answering round r proves that
// when round r was sent, it had not moved to a higher term; a quorum answering r (or a
// later round) therefore confirms this node was still leader when r was sent. ReadIndex
// requests wait for a round sent after they arrived. The lease starts when the latest
// quorum-confirmed round was sent and lasts `leaseTicks` of this node's ticks: each voter
// that answered refuses to vote for `electionTicks` of its own ticks after hearing from
// us (CheckQuorum stickiness), and `leaseTicks` is bounded by clock drift so that our
// lease ends first (see config.ts, maxLeaseTicks).

import type { NodeId, ReadState } from './types.js';

/** A read waiting for a heartbeat round. */
interface PendingRead {
  context: Uint8Array;
  /** The commit index when the read arrived; -1 until the leader commits in its term. */
  index: number;
  /** The round whose quorum confirmation releases the read. */
  round: number;
}

/** Rounds, acknowledgements, pending reads and the lease of one leader term. */
export class ReadTracker {
  /** The last round sent. */
  round = 0;
  private confirmedRound = 0;
  private readonly sendTicks = new Map<number, number>();
  private readonly acked = new Map<NodeId, number>();
  private pending: PendingRead[] = [];
  private leaseStartTick: number | null = null;
  /** Set once a TimeoutNow was sent this term: the transferee may win with forced votes. */
  private leaseForfeited = false;

  /** Forgets everything (new term or role). */
  reset(): void {
    this.round = 0;
    this.confirmedRound = 0;
    this.sendTicks.clear();
    this.acked.clear();
    this.pending = [];
    this.leaseStartTick = null;
    this.leaseForfeited = false;
  }

  pendingCount(): number {
    return this.pending.length;
  }

  /** Opens a new round sent at `tick`; returns its number. */
  nextRound(tick: number, retainTicks: number): number {
    this.round++;
    this.sendTicks.set(this.round, tick);
    // Send ticks only matter for rounds young enough to start a lease.
    for (const [round, sentAt] of this.sendTicks) {
      if (sentAt + retainTicks >= tick) break;
      this.sendTicks.delete(round);
    }
    return this.round;
  }

  /** Queues a read that the round after the current one will confirm. */
  addPending(context: Uint8Array, index: number): void {
    this.pending.push({ context, index, round: this.round + 1 });
  }

  /** Fills in the read index of reads that arrived before the leader committed in its term. */
  setUnknownIndexes(committed: number): void {
    for (const read of this.pending) if (read.index < 0) read.index = committed;
  }

  /**
   * Records that `from` answered `round`, recomputes the quorum-confirmed round with
   * `quorumValue`, and returns the reads that became ready.
   */
  acknowledge(
    from: NodeId,
    round: number,
    quorumValue: (acked: (id: NodeId) => number) => number,
    self: NodeId,
  ): ReadState[] {
    if (round > this.round) return [];
    if ((this.acked.get(from) ?? 0) < round) this.acked.set(from, round);
    const confirmed = quorumValue((id) => (id === self ? this.round : (this.acked.get(id) ?? 0)));
    if (confirmed <= this.confirmedRound) return [];
    this.confirmedRound = confirmed;
    const sentAt = this.sendTicks.get(confirmed);
    if (sentAt !== undefined) this.leaseStartTick = sentAt;
    return this.release();
  }

  /** Releases reads whose round is confirmed and whose index is known. */
  release(): ReadState[] {
    const ready: ReadState[] = [];
    const waiting: PendingRead[] = [];
    for (const read of this.pending) {
      if (read.round <= this.confirmedRound && read.index >= 0) {
        ready.push({ index: read.index, context: read.context, viaLease: false });
      } else {
        waiting.push(read);
      }
    }
    this.pending = waiting;
    return ready;
  }

  /** Whether reads may be served without a round at `tick`. */
  leaseValid(tick: number, leaseTicks: number): boolean {
    if (this.leaseForfeited || this.leaseStartTick === null) return false;
    return tick < this.leaseStartTick + leaseTicks;
  }

  /** The tick the current lease started at (null when none was ever held). */
  leaseStart(): number | null {
    return this.leaseStartTick;
  }

  /** Ends the lease for the rest of the term (a leadership transfer was started). */
  forfeitLease(): void {
    this.leaseForfeited = true;
  }

  /**
   * Drops the lease and acknowledgements after a membership change: acknowledgements
   * counted against the old voter set prove nothing about the new one.
   */
  invalidateAcknowledgements(): void {
    this.leaseStartTick = null;
    this.acked.clear();
    this.confirmedRound = Math.min(this.confirmedRound, this.round);
    this.sendTicks.clear();
  }
}
