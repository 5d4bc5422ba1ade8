/**
 * delete-table: marks a table DELETING. Its partitions stay in the map (routers answer
 * ResourceNotFound for a DELETING table) until storage nodes have dropped the data and the
 * drop-table command removes the table for good.
 */
import {
  tableInUseError,
  tableNotFoundError,
  tableOperationsInFlight,
  tableOperationsLimitError,
} from '../catalog.js';
import { findTableByName } from '../state.js';
import type { ControlState, TableRecord } from '../state.js';
import { accepted, rejectError } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Delete a table (DynamoDB DeleteTable). */
export interface DeleteTableCommand extends CommandBase {
  readonly type: 'delete-table';
  readonly tableName: string;
}

/** Applies {@link DeleteTableCommand}; the result is the table record, now DELETING. */
export function applyDeleteTable(
  state: ControlState,
  command: DeleteTableCommand,
  context: ApplyContext,
): ApplyOutcome<TableRecord> {
  const table = findTableByName(state, command.tableName);
  if (table === undefined) return rejectError(state, tableNotFoundError(command.tableName));
  if (table.status === 'CREATING' || table.status === 'DELETING') {
    return rejectError(state, tableInUseError(table.tableName, table.status));
  }
  const limit = context.config.tableOperationsInFlightMax;
  if (tableOperationsInFlight(state) >= limit) {
    return rejectError(state, tableOperationsLimitError(limit));
  }
  const deleting: TableRecord = { ...table, status: 'DELETING' };
  return accepted(
    {
      ...state,
      mapEpoch: state.mapEpoch + 1,
      tables: { ...state.tables, [table.tableId]: deleting },
    },
    deleting,
  );
}
