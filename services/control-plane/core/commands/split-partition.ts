/**
 * split-partition: records that a partition's Raft group has split at `splitHash`.
 *
 * The partition keeps its id for the left half [start, splitHash) and a new partition,
 * `newPartitionId` (the id the storage group's split gave its child, see `splitChildId`), takes
 * the right half [splitHash, end); both share the replica set and leader, and both get epoch + 1 so
 * that a router with the old map is told to refresh. The split point is a hash value, so every
 * item of one partition key lands on one side: a split can never cut an item collection.
 * `expectedEpoch` makes a stale or duplicate split report a typed no-op.
 */
import { isHashHex } from '../hash-space.js';
import type { HashHex } from '../hash-space.js';
import { lookup, moveOfPartition, partitionsOfTable } from '../state.js';
import type { ControlState, PartitionRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Why a partition split. */
export type SplitReason = 'size' | 'request-rate' | 'recovered';

/** Split a partition at a hash point strictly inside its range. */
export interface SplitPartitionCommand extends CommandBase {
  readonly type: 'split-partition';
  readonly partitionId: string;
  readonly expectedEpoch: number;
  readonly splitHash: HashHex;
  /** The right half's id: the one the storage nodes' split already gave the child group. */
  readonly newPartitionId: string;
  /** Why: too big, too hot, or a split a previous leader made and did not record. */
  readonly reason: SplitReason;
  /** Share of the partition's size that lies left of the split point, in [0, 1]. */
  readonly leftFraction: number;
}

/** The two halves of a split. */
export interface SplitResult {
  readonly left: PartitionRecord;
  readonly right: PartitionRecord;
}

/** Applies {@link SplitPartitionCommand}. */
export function applySplitPartition(
  state: ControlState,
  command: SplitPartitionCommand,
  context: ApplyContext,
): ApplyOutcome<SplitResult> {
  const partition = lookup(state.partitions, command.partitionId);
  if (partition === undefined) {
    return rejectWith(state, 'PartitionNotFound', `partition ${command.partitionId} not found`);
  }
  if (partition.epoch !== command.expectedEpoch) {
    return rejectWith(
      state,
      'StaleReport',
      `partition ${partition.partitionId} is at epoch ${partition.epoch}, the split expected ${command.expectedEpoch}`,
    );
  }
  const problem = splitProblem(state, partition, command, context);
  if (problem !== null) return rejectWith(state, 'InvalidSplit', problem);
  const fraction = Math.min(1, Math.max(0, command.leftFraction));
  const leftSize = Math.round(partition.sizeBytes * fraction);
  const leftItems = Math.round(partition.itemCount * fraction);
  const left: PartitionRecord = {
    ...partition,
    end: command.splitHash,
    epoch: partition.epoch + 1,
    sizeBytes: leftSize,
    itemCount: leftItems,
  };
  const right: PartitionRecord = {
    ...partition,
    partitionId: command.newPartitionId,
    start: command.splitHash,
    epoch: partition.epoch + 1,
    sizeBytes: partition.sizeBytes - leftSize,
    itemCount: partition.itemCount - leftItems,
  };
  return accepted(
    {
      ...state,
      mapEpoch: state.mapEpoch + 1,
      partitions: { ...state.partitions, [left.partitionId]: left, [right.partitionId]: right },
    },
    { left, right },
  );
}

function splitProblem(
  state: ControlState,
  partition: PartitionRecord,
  command: SplitPartitionCommand,
  context: ApplyContext,
): string | null {
  const table = lookup(state.tables, partition.tableId);
  if (table === undefined || (table.status !== 'ACTIVE' && table.status !== 'UPDATING')) {
    return `the table of ${partition.partitionId} is ${table?.status ?? 'gone'}`;
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(command.newPartitionId))
    return `new partition id ${JSON.stringify(command.newPartitionId)} is not a partition id`;
  if (lookup(state.partitions, command.newPartitionId) !== undefined)
    return `partition id ${command.newPartitionId} is in use`;
  if (!isHashHex(command.splitHash))
    return `split point ${String(command.splitHash)} is not a hash`;
  const inside =
    command.splitHash > partition.start &&
    (partition.end === null || command.splitHash < partition.end);
  if (!inside)
    return `split point ${command.splitHash} is not strictly inside ${partition.partitionId}`;
  if (moveOfPartition(state, partition.partitionId) !== undefined) {
    return `partition ${partition.partitionId} has a move in flight`;
  }
  const count = partitionsOfTable(state, partition.tableId).length;
  if (count >= context.config.partitionsPerTableMax) {
    return `table ${table.tableName} already has ${count} partitions (limit ${context.config.partitionsPerTableMax})`;
  }
  return null;
}
