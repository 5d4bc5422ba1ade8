// Node configuration and its validation, including the leader-lease clock-drift bound.

import type { RandomSource } from './random.js';
import type { LogStorage } from './storage.js';
import type { NodeId, Result } from './types.js';
import { err, ok } from './types.js';

/**
 * Switches that disable one safety rule. They exist only so that the simulator's
 * mutation tests can prove it finds the resulting bugs; never set them in production.
 */
export interface UnsafeTestingKnobs {
  /** Grant votes without the §5.4.1 "candidate's log is at least as up to date" check. */
  disableVoteUpToDateCheck?: boolean;
  /** Commit entries of earlier terms by counting replicas (the §5.4.2 / Figure 8 bug). */
  commitPreviousTermEntries?: boolean;
  /** Accept any `leaseTicks`, however far beyond the clock-drift bound. */
  skipLeaseBoundCheck?: boolean;
}

/** What a host passes to create a node. */
export interface RaftConfig {
  id: NodeId;
  storage: LogStorage;
  /** Seeded source for the randomized election timeout. */
  random: RandomSource;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [E, 2E)). */
  electionTicks: number;
  /** Ticks between leader heartbeats; must be less than `electionTicks`. */
  heartbeatTicks: number;
  /**
   * The host's applied index on restart: committed entries up to it are not handed out
   * again. Conf changes among them would then not be re-applied, so pass the snapshot
   * index unless `initialState().confState` already reflects everything up to `applied`.
   */
  applied?: number;
  /** Payload bytes per append message (at least one entry is always sent). */
  maxSizePerMessageBytes?: number;
  /** Append messages in flight to one follower in the replicate state. */
  maxInflightMessages?: number;
  /** Payload bytes in flight to one follower. */
  maxInflightBytes?: number;
  /** Uncommitted payload bytes a leader accepts before refusing proposals (the proposal queue). */
  maxUncommittedEntriesBytes?: number;
  /** Entries in one proposal batch. */
  maxEntriesPerProposal?: number;
  /** Payload bytes of committed entries handed out per Ready. */
  maxCommittedSizePerReadyBytes?: number;
  /** Read requests waiting for a heartbeat round. */
  maxPendingReads?: number;
  /** Run a pre-vote before incrementing the term (default true). */
  preVote?: boolean;
  /** Leaders step down without a quorum; followers ignore campaigns while they hear a leader (default true). */
  checkQuorum?: boolean;
  /** Serve reads under a leader lease when one is held (default true; needs checkQuorum). */
  leaseReads?: boolean;
  /**
   * The bound on relative clock-rate error between any two nodes' tick sources, e.g. 0.1
   * means a tick may last between 0.9 and 1.1 nominal tick lengths. Default 0.1.
   */
  maxClockDriftRatio?: number;
  /** Lease length in ticks; defaults to, and may not exceed, {@link maxLeaseTicks}. */
  leaseTicks?: number;
  unsafeTestingKnobs?: UnsafeTestingKnobs;
}

/** A configuration with every default filled in. */
export type ValidatedConfig = Required<Omit<RaftConfig, 'unsafeTestingKnobs'>> & {
  unsafeTestingKnobs: UnsafeTestingKnobs;
};

/**
 * The longest safe lease. A follower that acknowledged a heartbeat refuses to vote for
 * `electionTicks` of its own ticks; the first of those may come right after the
 * acknowledgement, so it refuses for at least (E − 1) of its tick lengths. The leader
 * starts the lease when it sent that heartbeat and counts L of its own ticks. With tick
 * lengths within [1 − ρ, 1 + ρ] of nominal, safety needs L(1 + ρ) ≤ (E − 1)(1 − ρ).
 */
export function maxLeaseTicks(electionTicks: number, maxClockDriftRatio: number): number {
  return Math.floor(((electionTicks - 1) * (1 - maxClockDriftRatio)) / (1 + maxClockDriftRatio));
}

/** Checks a configuration and fills in defaults; returns a reason when it is invalid. */
export function validateConfig(config: RaftConfig): Result<ValidatedConfig, string> {
  const knobs = config.unsafeTestingKnobs ?? {};
  const drift = config.maxClockDriftRatio ?? 0.1;
  const checkQuorum = config.checkQuorum ?? true;
  const leaseReads = config.leaseReads ?? true;
  if (config.id === '') return err('id must not be empty');
  if (!Number.isInteger(config.heartbeatTicks) || config.heartbeatTicks < 1) {
    return err('heartbeatTicks must be a positive integer');
  }
  if (!Number.isInteger(config.electionTicks) || config.electionTicks <= config.heartbeatTicks) {
    return err('electionTicks must be an integer greater than heartbeatTicks');
  }
  if (!(drift >= 0 && drift < 0.5)) return err('maxClockDriftRatio must be in [0, 0.5)');
  const bound = knobs.skipLeaseBoundCheck ? Infinity : maxLeaseTicks(config.electionTicks, drift);
  const leaseTicks = config.leaseTicks ?? maxLeaseTicks(config.electionTicks, drift);
  if (leaseReads) {
    if (!checkQuorum) return err('leaseReads needs checkQuorum');
    if (leaseTicks < 1) return err('electionTicks too small for a lease under the drift bound');
    if (leaseTicks > bound) {
      return err(`leaseTicks ${leaseTicks} exceeds the drift bound ${bound}`);
    }
  }
  const validated: ValidatedConfig = {
    id: config.id,
    storage: config.storage,
    random: config.random,
    electionTicks: config.electionTicks,
    heartbeatTicks: config.heartbeatTicks,
    applied: config.applied ?? 0,
    maxSizePerMessageBytes: config.maxSizePerMessageBytes ?? 1024 * 1024,
    maxInflightMessages: config.maxInflightMessages ?? 256,
    maxInflightBytes: config.maxInflightBytes ?? 32 * 1024 * 1024,
    maxUncommittedEntriesBytes: config.maxUncommittedEntriesBytes ?? 64 * 1024 * 1024,
    maxEntriesPerProposal: config.maxEntriesPerProposal ?? 10_000,
    maxCommittedSizePerReadyBytes: config.maxCommittedSizePerReadyBytes ?? 16 * 1024 * 1024,
    maxPendingReads: config.maxPendingReads ?? 4096,
    preVote: config.preVote ?? true,
    checkQuorum,
    leaseReads,
    maxClockDriftRatio: drift,
    leaseTicks,
    unsafeTestingKnobs: knobs,
  };
  for (const key of [
    'maxSizePerMessageBytes',
    'maxInflightMessages',
    'maxInflightBytes',
    'maxUncommittedEntriesBytes',
    'maxEntriesPerProposal',
    'maxCommittedSizePerReadyBytes',
    'maxPendingReads',
  ] as const) {
    if (!(validated[key] >= 1)) return err(`${key} must be at least 1`);
  }
  return ok(validated);
}
