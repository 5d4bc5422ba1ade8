// Client requests waiting on a replica: writes until their log entry is applied (keyed by index
// and term), consistent reads until the applied index reaches their read index. Deadlines are
// counted in the host's ticks; nothing here has a clock of its own.
import type { Entry } from '../../../lib/raft/index.js';
import type { BatchWriteApplied, SplitApplied, WriteApplied } from './state-machine.js';

/** What a client request waiting on the replica gets back. */
export type ReplicaAnswer<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'not-leader'; readonly leaderId: string; readonly term: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** What applying an entry gave its proposer (null: an entry without a result, e.g. membership). */
export type Applied = WriteApplied | BatchWriteApplied | SplitApplied | null;

interface PendingProposal {
  readonly term: number;
  readonly deadlineTick: number;
  /** When it was proposed, on the caller's clock (for the commit-latency metric). */
  readonly proposedAt: number;
  readonly resolve: (answer: ReplicaAnswer<Applied>) => void;
}

interface PendingRead {
  index: number | undefined;
  readonly deadlineTick: number;
  readonly resolve: (answer: ReplicaAnswer<null>) => void;
}

/** Proposals and reads waiting on one replica. */
export class WaitingRequests {
  private readonly proposals = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  private readCounter = 0;

  /** Proposals waiting for their entry to apply. */
  get proposalCount(): number {
    return this.proposals.size;
  }

  /** Consistent reads waiting for a read index. */
  get readCount(): number {
    return this.reads.size;
  }

  /** Waits for the entry proposed at (index, term). */
  addProposal(index: number, proposal: PendingProposal): void {
    this.proposals.set(index, proposal);
  }

  /**
   * Answers the proposer of `entry`, if it waits here: with the result when the entry it
   * proposed applied, unavailable when another leader's entry took its index or the outcome is
   * unknown (`result` undefined: the apply failed or was skipped).
   */
  resolveProposal(entry: Entry, result: Applied | undefined, stopped: string | undefined): void {
    const proposal = this.proposals.get(entry.index);
    if (proposal === undefined) return;
    this.proposals.delete(entry.index);
    if (proposal.term !== entry.term) {
      proposal.resolve({
        kind: 'unavailable',
        reason: 'the proposal was replaced by a new leader',
      });
    } else if (result === undefined) {
      proposal.resolve({ kind: 'unavailable', reason: stopped ?? 'outcome unknown' });
    } else {
      proposal.resolve({ kind: 'done', value: result });
    }
  }

  /** How long each of these committed entries proposed here took to commit (`now` − proposed). */
  commitLatencies(entries: readonly Entry[], now: number): number[] {
    if (this.proposals.size === 0) return [];
    const latencies: number[] = [];
    for (const entry of entries) {
      const proposal = this.proposals.get(entry.index);
      if (proposal !== undefined && proposal.term === entry.term)
        latencies.push(now - proposal.proposedAt);
    }
    return latencies;
  }

  /** Registers a consistent read; returns the context to ask Raft's read index with. */
  addRead(deadlineTick: number, resolve: (answer: ReplicaAnswer<null>) => void): string {
    const context = String(++this.readCounter);
    this.reads.set(context, { index: undefined, deadlineTick, resolve });
    return context;
  }

  /** Answers the read with `context` at once (Raft refused to serve it). */
  cancelRead(context: string, answer: Exclude<ReplicaAnswer<null>, { kind: 'done' }>): void {
    const read = this.reads.get(context);
    if (read === undefined) return;
    this.reads.delete(context);
    read.resolve(answer);
  }

  /** Raft released the read with `context` at `index`. */
  setReadIndex(context: string, index: number): void {
    const read = this.reads.get(context);
    if (read !== undefined) read.index = index;
  }

  /** Answers every read whose read index is applied. */
  releaseReads(applied: number): void {
    for (const [context, read] of this.reads) {
      if (read.index === undefined || read.index > applied) continue;
      this.reads.delete(context);
      read.resolve({ kind: 'done', value: null });
    }
  }

  /** Answers every waiting read with `answer` (the replica lost leadership). */
  failReads(answer: Exclude<ReplicaAnswer<null>, { kind: 'done' }>): void {
    for (const [context, read] of this.reads) {
      this.reads.delete(context);
      read.resolve(answer);
    }
  }

  /** Answers everything whose deadline passed: writes may still apply, reads are refused. */
  expire(tick: number): void {
    for (const [index, proposal] of this.proposals) {
      if (proposal.deadlineTick > tick) continue;
      this.proposals.delete(index);
      proposal.resolve({ kind: 'unavailable', reason: 'timed out; the write may still apply' });
    }
    for (const [context, read] of this.reads) {
      if (read.deadlineTick > tick) continue;
      this.reads.delete(context);
      read.resolve({ kind: 'unavailable', reason: 'read timed out' });
    }
  }

  /** Answers everything as unavailable (the replica stopped). */
  stopAll(reason: string): void {
    for (const [index, proposal] of this.proposals) {
      this.proposals.delete(index);
      proposal.resolve({ kind: 'unavailable', reason });
    }
    this.failReads({ kind: 'unavailable', reason });
  }
}
