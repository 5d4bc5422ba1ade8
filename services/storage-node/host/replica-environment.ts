// What a replica needs from its host: limits, the engine, the outbound queue, a clock for
// metrics, deferred scheduling, and the metric hooks it reports to.
import type { RaftMessage, RandomSource } from '../../../lib/raft/index.js';
import type { Engine } from '../engine/engine.js';
import type { PartitionMeta, SplitChild } from './partition-meta.js';

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
  /** Called when a split applied here: the host starts the child replica (campaigning for it if the parent leads here). */
  startChild(child: PartitionMeta, parentLeads: boolean): Promise<void>;
  /**
   * Called when an installed image shows splits this replica never applied: the host starts each
   * child it does not host yet, empty, to be filled by the child group's own snapshot.
   */
  adoptChildren(parent: PartitionMeta, children: readonly SplitChild[]): Promise<void>;
  /** A fresh node-local group number for a split child. */
  allocateGroupNumber(): number;
  /** Learns member addresses. */
  learnAddresses(addresses: Readonly<Record<string, string>>): void;
  /** Observers for metrics. */
  readonly observe: ReplicaObserver;
  /** Milliseconds on a monotonic clock, for the metrics' durations only. */
  now(): number;
  /** Runs a task after the current event-loop turn. */
  defer(task: () => void): void;
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
