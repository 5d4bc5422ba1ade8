// Membership and quorum arithmetic: the (possibly joint) voter configuration, learners,
// per-peer progress, and vote tallies. Modelled on etcd's tracker/ and quorum/.

import { Progress } from './progress.js';
import type { ConfState, NodeId } from './types.js';

/** The outcome of a vote count. */
export type VoteResult = 'won' | 'lost' | 'pending';

/** A membership configuration; `outgoing` is non-empty only while joint. */
export interface TrackerConfig {
  incoming: Set<NodeId>;
  outgoing: Set<NodeId>;
  learners: Set<NodeId>;
  learnersNext: Set<NodeId>;
  autoLeave: boolean;
}

/** The value a majority of `voters` has reached (Infinity for an empty set). */
export function majorityCommitted(voters: Set<NodeId>, acked: (id: NodeId) => number): number {
  if (voters.size === 0) return Infinity;
  const values: number[] = [];
  for (const id of voters) values.push(acked(id));
  values.sort((a, b) => b - a);
  return values[voters.size >> 1] as number;
}

/** The vote result of one majority configuration (an empty one wins by convention). */
export function majorityVote(voters: Set<NodeId>, votes: Map<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  const quorum = (voters.size >> 1) + 1;
  if (granted >= quorum) return 'won';
  if (granted + missing >= quorum) return 'pending';
  return 'lost';
}

/** Combines the two halves of a joint configuration: both must agree. */
function jointVote(a: VoteResult, b: VoteResult): VoteResult {
  if (a === b) return a;
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}

/** The current configuration, the progress of every member, and the votes of an election. */
export class ProgressTracker {
  config: TrackerConfig = {
    incoming: new Set(),
    outgoing: new Set(),
    learners: new Set(),
    learnersNext: new Set(),
    autoLeave: false,
  };
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();
  readonly maxInflightMessages: number;
  readonly maxInflightBytes: number;

  constructor(maxInflightMessages: number, maxInflightBytes: number) {
    this.maxInflightMessages = maxInflightMessages;
    this.maxInflightBytes = maxInflightBytes;
  }

  isJoint(): boolean {
    return this.config.outgoing.size > 0;
  }

  isVoter(id: NodeId): boolean {
    return this.config.incoming.has(id) || this.config.outgoing.has(id);
  }

  /** Every voter of either half, in a stable order. */
  voterIds(): NodeId[] {
    const ids = new Set([...this.config.incoming, ...this.config.outgoing]);
    return [...ids].sort();
  }

  /** Every member with progress, in a stable order (message order must be deterministic). */
  memberIds(): NodeId[] {
    return [...this.progress.keys()].sort();
  }

  /** The highest index replicated on a quorum of the (joint) configuration. */
  committed(): number {
    const acked = (id: NodeId): number => this.progress.get(id)?.match ?? 0;
    return this.quorumValue(acked);
  }

  /** The largest value a quorum has reached, given each voter's value. */
  quorumValue(acked: (id: NodeId) => number): number {
    const incoming = majorityCommitted(this.config.incoming, acked);
    const outgoing = majorityCommitted(this.config.outgoing, acked);
    const value = Math.min(incoming, outgoing);
    return value === Infinity ? 0 : value;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return jointVote(
      majorityVote(this.config.incoming, this.votes),
      majorityVote(this.config.outgoing, this.votes),
    );
  }

  /** Whether a quorum has been active since the last check (`self` always counts). */
  quorumActive(self: NodeId): boolean {
    const active = new Map<NodeId, boolean>();
    for (const [id, progress] of this.progress) {
      if (!progress.isLearner) active.set(id, id === self || progress.recentActive);
    }
    return this.tallyVotes2(active) === 'won';
  }

  private tallyVotes2(votes: Map<NodeId, boolean>): VoteResult {
    return jointVote(
      majorityVote(this.config.incoming, votes),
      majorityVote(this.config.outgoing, votes),
    );
  }

  newProgress(next: number, isLearner: boolean): Progress {
    return new Progress(next, isLearner, this.maxInflightMessages, this.maxInflightBytes);
  }

  confState(): ConfState {
    return {
      voters: [...this.config.incoming].sort(),
      votersOutgoing: [...this.config.outgoing].sort(),
      learners: [...this.config.learners].sort(),
      learnersNext: [...this.config.learnersNext].sort(),
      autoLeave: this.config.autoLeave,
    };
  }
}
