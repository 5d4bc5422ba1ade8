/**
 * drop-table: removes a DELETING table, its partitions and any move of its partitions, once the
 * storage nodes have dropped its data. Only then is the name free for a new CreateTable.
 */
import { lookup, withoutEntry } from '../state.js';
import type { ControlState, MoveRecord, PartitionRecord } from '../state.js';
import { accepted, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Forget a deleted table whose data is gone. */
export interface DropTableCommand extends CommandBase {
  readonly type: 'drop-table';
  readonly tableId: string;
}

/** Applies {@link DropTableCommand}; the result is the ids of the partitions removed. */
export function applyDropTable(
  state: ControlState,
  command: DropTableCommand,
  _context: ApplyContext,
): ApplyOutcome<string[]> {
  const table = lookup(state.tables, command.tableId);
  if (table === undefined) {
    return rejectWith(state, 'ResourceNotFoundException', `table id ${command.tableId} not found`);
  }
  if (table.status !== 'DELETING') {
    return rejectWith(
      state,
      'ResourceInUseException',
      `table ${table.tableName} is ${table.status}, not DELETING`,
    );
  }
  const partitions: Record<string, PartitionRecord> = {};
  const removed: string[] = [];
  for (const [id, partition] of Object.entries(state.partitions)) {
    if (partition.tableId === table.tableId) removed.push(id);
    else partitions[id] = partition;
  }
  const moves: Record<string, MoveRecord> = {};
  for (const [id, move] of Object.entries(state.moves)) {
    if (!removed.includes(move.partitionId)) moves[id] = move;
  }
  return accepted(
    {
      ...state,
      mapEpoch: state.mapEpoch + 1,
      tables: withoutEntry(state.tables, table.tableId),
      tableIdsByName: withoutEntry(state.tableIdsByName, table.tableName),
      partitions,
      moves,
    },
    removed.sort(),
  );
}
