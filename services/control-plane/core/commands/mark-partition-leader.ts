/**
 * mark-partition-leader: a storage node reports that it leads a partition in a Raft term. The
 * report with the highest term wins; an older term is a typed StaleReport. When the last
 * partition of a CREATING table gets its leader, the table turns ACTIVE.
 */
import { lookup, partitionsOfTable } from '../state.js';
import type { ControlState, PartitionRecord, TableRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Record the leader a partition's Raft group elected. */
export interface MarkPartitionLeaderCommand extends CommandBase {
  readonly type: 'mark-partition-leader';
  readonly partitionId: string;
  readonly nodeId: string;
  readonly term: number;
}

/** Applies {@link MarkPartitionLeaderCommand}; the result is the partition's record. */
export function applyMarkPartitionLeader(
  state: ControlState,
  command: MarkPartitionLeaderCommand,
  _context: ApplyContext,
): ApplyOutcome<PartitionRecord> {
  const partition = lookup(state.partitions, command.partitionId);
  if (partition === undefined) {
    return rejectWith(state, 'PartitionNotFound', `partition ${command.partitionId} not found`);
  }
  if (command.term < partition.leaderTerm) {
    return rejectWith(
      state,
      'StaleReport',
      `term ${command.term} is older than ${partition.leaderTerm} for ${partition.partitionId}`,
    );
  }
  const replica = partition.replicas.find((r) => r.nodeId === command.nodeId);
  if (replica?.role !== 'voter') {
    return rejectWith(
      state,
      'StaleReport',
      `node ${command.nodeId} is not a voter of ${partition.partitionId}`,
    );
  }
  if (partition.leaderNodeId === command.nodeId && partition.leaderTerm === command.term) {
    return accepted(state, partition);
  }
  const updated: PartitionRecord = {
    ...partition,
    leaderNodeId: command.nodeId,
    leaderTerm: command.term,
  };
  const partitions = { ...state.partitions, [partition.partitionId]: updated };
  let tables = state.tables;
  const table = lookup(state.tables, partition.tableId);
  if (table?.status === 'CREATING') {
    const withLeader = { ...state, partitions };
    const allLed = partitionsOfTable(withLeader, table.tableId).every(
      (p) => p.leaderNodeId !== null,
    );
    if (allLed) {
      const active: TableRecord = { ...table, status: 'ACTIVE' };
      tables = { ...state.tables, [table.tableId]: active };
    }
  }
  return accepted({ ...state, mapEpoch: state.mapEpoch + 1, partitions, tables }, updated);
}
