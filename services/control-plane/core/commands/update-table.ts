/**
 * update-table: changes a table's billing mode and provisioned throughput (DynamoDB UpdateTable).
 *
 * Tessera applies the change at once — there is no capacity to re-provision — so the table stays
 * ACTIVE instead of passing through UPDATING; clients that wait for ACTIVE see it immediately.
 */
import { tableInUseError, tableNotFoundError } from '../catalog.js';
import { validateUpdateTableInput } from '../catalog-validation.js';
import type { UpdateTableInput } from '../catalog-validation.js';
import { findTableByName } from '../state.js';
import type { ControlState, TableRecord, ThroughputRecord } from '../state.js';
import { accepted, rejectError, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Update a table's billing mode or throughput. */
export interface UpdateTableCommand extends CommandBase {
  readonly type: 'update-table';
  readonly input: UpdateTableInput;
}

const invalid = 'One or more parameter values were invalid:';
const dayMs = 24 * 60 * 60 * 1000;

/** Applies {@link UpdateTableCommand}; the result is the updated table record. */
export function applyUpdateTable(
  state: ControlState,
  command: UpdateTableCommand,
  _context: ApplyContext,
): ApplyOutcome<TableRecord> {
  const checked = validateUpdateTableInput(command.input);
  if (!checked.ok) return rejectError(state, checked.error);
  const input = checked.value;
  const table = findTableByName(state, input.TableName);
  if (table === undefined) return rejectError(state, tableNotFoundError(input.TableName));
  if (table.status !== 'ACTIVE')
    return rejectError(state, tableInUseError(table.tableName, table.status));

  const mode = input.BillingMode ?? table.billingMode;
  const requested = input.ProvisionedThroughput;
  if (requested !== undefined && mode === 'PAY_PER_REQUEST') {
    return rejectWith(
      state,
      'ValidationException',
      `${invalid} Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST`,
    );
  }
  let updated: TableRecord;
  if (mode === 'PAY_PER_REQUEST') {
    updated = {
      ...table,
      billingMode: 'PAY_PER_REQUEST',
      throughput: { ...table.throughput, readCapacityUnits: 0, writeCapacityUnits: 0 },
      lastUpdateToPayPerRequestMs:
        table.billingMode === 'PAY_PER_REQUEST' ? table.lastUpdateToPayPerRequestMs : command.nowMs,
    };
  } else {
    if (requested === undefined) {
      return rejectWith(
        state,
        'ValidationException',
        `${invalid} ProvisionedThroughput must be specified when BillingMode is PROVISIONED`,
      );
    }
    const current = table.throughput;
    if (
      table.billingMode === 'PROVISIONED' &&
      requested.ReadCapacityUnits === current.readCapacityUnits &&
      requested.WriteCapacityUnits === current.writeCapacityUnits
    ) {
      return rejectWith(
        state,
        'ValidationException',
        unchangedThroughputMessage(current, requested),
      );
    }
    const throughput =
      table.billingMode === 'PROVISIONED'
        ? changedThroughput(current, requested, command.nowMs)
        : {
            ...current,
            readCapacityUnits: requested.ReadCapacityUnits,
            writeCapacityUnits: requested.WriteCapacityUnits,
          };
    updated = { ...table, billingMode: 'PROVISIONED', throughput };
  }
  return accepted({ ...state, tables: { ...state.tables, [table.tableId]: updated } }, updated);
}

function changedThroughput(
  current: ThroughputRecord,
  requested: { readonly ReadCapacityUnits: number; readonly WriteCapacityUnits: number },
  nowMs: number,
): ThroughputRecord {
  const increased =
    requested.ReadCapacityUnits > current.readCapacityUnits ||
    requested.WriteCapacityUnits > current.writeCapacityUnits;
  const decreased =
    requested.ReadCapacityUnits < current.readCapacityUnits ||
    requested.WriteCapacityUnits < current.writeCapacityUnits;
  // NumberOfDecreasesToday counts decreases in the current UTC day.
  const sameDay =
    current.lastDecreaseMs !== null &&
    Math.floor(current.lastDecreaseMs / dayMs) === Math.floor(nowMs / dayMs);
  const decreasesToday = sameDay ? current.decreasesToday : 0;
  return {
    readCapacityUnits: requested.ReadCapacityUnits,
    writeCapacityUnits: requested.WriteCapacityUnits,
    lastIncreaseMs: increased ? nowMs : current.lastIncreaseMs,
    lastDecreaseMs: decreased ? nowMs : current.lastDecreaseMs,
    decreasesToday: decreased ? decreasesToday + 1 : decreasesToday,
  };
}

function unchangedThroughputMessage(
  current: ThroughputRecord,
  requested: { readonly ReadCapacityUnits: number; readonly WriteCapacityUnits: number },
): string {
  return (
    'The provisioned throughput for the table will not change. The requested value equals the current value. ' +
    `Current ReadCapacityUnits provisioned for the table: ${current.readCapacityUnits}. ` +
    `Requested ReadCapacityUnits: ${requested.ReadCapacityUnits}. ` +
    `Current WriteCapacityUnits provisioned for the table: ${current.writeCapacityUnits}. ` +
    `Requested WriteCapacityUnits: ${requested.WriteCapacityUnits}. ` +
    'Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.'
  );
}
