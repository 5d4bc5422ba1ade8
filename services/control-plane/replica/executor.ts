// The storage-side half of the control plane's decisions: creating a new table's replicas,
// carrying out replica-move steps and dropping a deleted table's data, on the storage nodes.
// The driver only sees this interface; `grpc-executor.ts` is the real one (PartitionAdmin over
// gRPC) and `RecordingExecutor` is the test double.
import type { MoveStep } from '../core/moves.js';
import type { PlannedLeaderTransfer } from '../core/placement.js';
import type { HashHex } from '../core/hash-space.js';
import type { ControlState } from '../core/state.js';

/** The outcome of one storage-side action. `done: false` means "not yet, ask again later". */
export type ExecutorOutcome =
  { readonly ok: true; readonly done: boolean } | { readonly ok: false; readonly message: string };

/** A split the leader asks a partition's Raft group for. */
export interface SplitRequest {
  readonly partitionId: string;
  /** The epoch the partition has in the control plane's state (the group's, before the split). */
  readonly expectedEpoch: number;
  /** The chosen point; null to learn the point of a split the group already made (recovery). */
  readonly splitHash: HashHex | null;
  readonly newPartitionId: string;
}

/** A split's outcome: done with the point the group split at, not yet, or failed. */
export type SplitOutcome =
  | { readonly ok: true; readonly done: true; readonly splitHash: HashHex }
  | { readonly ok: true; readonly done: false }
  | { readonly ok: false; readonly message: string };

/** Storage-side actions the control-plane leader asks for. Every action is idempotent. */
export interface StorageExecutor {
  /** Creates the replicas of a new partition on every node of its replica set. */
  createReplicas(state: ControlState, partitionId: string): Promise<ExecutorOutcome>;
  /** Asks the partition's leader for one move step; `done` once the step is complete. */
  runMoveStep(state: ControlState, step: MoveStep): Promise<ExecutorOutcome>;
  /** Drops every replica of a deleted table on every node that may hold one. */
  dropTable(state: ControlState, tableId: string): Promise<ExecutorOutcome>;
  /**
   * Asks the partition's Raft group to split (a log entry on the storage side). Done when the
   * group has split at the requested point, or — asked again after a crash — had already split:
   * then the outcome carries the point it split at.
   */
  splitPartition(state: ControlState, request: SplitRequest): Promise<SplitOutcome>;
  /**
   * Drops a node's replica of a partition the map no longer places on it (a removed member that
   * never learned its removal). Done once the node dropped it or does not host it.
   */
  dropReplica(state: ControlState, nodeId: string, partitionId: string): Promise<ExecutorOutcome>;
  /** Asks a partition's leader to hand leadership to another voter (balancing leaders). */
  transferLeadership(
    state: ControlState,
    transfer: PlannedLeaderTransfer,
  ): Promise<ExecutorOutcome>;
}

/** A test double: records every call and answers with what the test sets. */
export class RecordingExecutor implements StorageExecutor {
  /** Every call, in order, as `kind:id`. */
  readonly calls: string[] = [];
  /** Where the storage group "already split" when a recovery asks (null: it did not). */
  alreadySplitAt: HashHex | null = null;
  /** The answer to give, by call kind. */
  answer: (
    kind: 'create' | 'move' | 'drop' | 'transfer' | 'split' | 'drop-replica',
    id: string,
  ) => ExecutorOutcome = () => ({
    ok: true,
    done: true,
  });

  createReplicas(_state: ControlState, partitionId: string): Promise<ExecutorOutcome> {
    this.calls.push(`create:${partitionId}`);
    return Promise.resolve(this.answer('create', partitionId));
  }

  runMoveStep(_state: ControlState, step: MoveStep): Promise<ExecutorOutcome> {
    const id = `${step.kind}:${step.partitionId}:${step.nodeId ?? ''}`;
    this.calls.push(`move:${id}`);
    return Promise.resolve(this.answer('move', id));
  }

  splitPartition(_state: ControlState, request: SplitRequest): Promise<SplitOutcome> {
    const id = `${request.partitionId}@${request.expectedEpoch}:${request.splitHash ?? '?'}`;
    this.calls.push(`split:${id}`);
    const outcome = this.answer('split', id);
    if (!outcome.ok) return Promise.resolve(outcome);
    if (!outcome.done) return Promise.resolve({ ok: true, done: false });
    // The double splits where it was asked to; a recovery learns `alreadySplitAt`.
    const splitHash = request.splitHash ?? this.alreadySplitAt;
    if (splitHash === null) return Promise.resolve({ ok: true, done: false });
    return Promise.resolve({ ok: true, done: true, splitHash });
  }

  dropReplica(_state: ControlState, nodeId: string, partitionId: string): Promise<ExecutorOutcome> {
    this.calls.push(`drop-replica:${nodeId}/${partitionId}`);
    return Promise.resolve(this.answer('drop-replica', `${nodeId}/${partitionId}`));
  }

  dropTable(_state: ControlState, tableId: string): Promise<ExecutorOutcome> {
    this.calls.push(`drop:${tableId}`);
    return Promise.resolve(this.answer('drop', tableId));
  }

  transferLeadership(
    _state: ControlState,
    transfer: PlannedLeaderTransfer,
  ): Promise<ExecutorOutcome> {
    const id = `${transfer.partitionId}:${transfer.toNodeId}`;
    this.calls.push(`transfer:${id}`);
    return Promise.resolve(this.answer('transfer', id));
  }
}
