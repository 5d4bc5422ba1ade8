/**
 * create-table: adds a table in status CREATING and places its initial partitions.
 *
 * The proposer stamps the table id (a random UUID drawn outside the state machine) and the
 * time; placement runs inside apply because it is a pure function of the state. The table turns
 * ACTIVE once every partition has reported a leader (see mark-partition-leader).
 */
import {
  tableCountLimitError,
  tableExistsError,
  tableOperationsInFlight,
  tableOperationsLimitError,
} from '../catalog.js';
import { validateCreateTable } from '../catalog-validation.js';
import type { CreateTableInput, TableSpec } from '../catalog-validation.js';
import { cutHashSpace } from '../hash-space.js';
import { placeNewPartitions } from '../placement.js';
import type { NewPartitionPlacement } from '../placement.js';
import { findTableByName, lookup } from '../state.js';
import type { ControlState, PartitionRecord, TableRecord } from '../state.js';
import { accepted, rejectError, rejectWith } from './types.js';
import type { ApplyContext, ApplyOutcome, CommandBase } from './types.js';

/** Create a table from a DynamoDB CreateTable request. */
export interface CreateTableCommand extends CommandBase {
  readonly type: 'create-table';
  /** Unique id chosen by the proposer (DynamoDB's TableId is a UUID). */
  readonly tableId: string;
  readonly input: CreateTableInput;
}

/** Applies {@link CreateTableCommand}; the result is the new table record. */
export function applyCreateTable(
  state: ControlState,
  command: CreateTableCommand,
  context: ApplyContext,
): ApplyOutcome<TableRecord> {
  const { config } = context;
  const spec = validateCreateTable(command.input);
  if (!spec.ok) return rejectError(state, spec.error);
  if (findTableByName(state, spec.value.tableName) !== undefined) {
    return rejectError(state, tableExistsError(spec.value.tableName));
  }
  if (typeof command.tableId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(command.tableId)) {
    return rejectWith(state, 'MalformedCommand', 'tableId must be 1..64 letters, digits or dashes');
  }
  if (lookup(state.tables, command.tableId) !== undefined) {
    return rejectWith(state, 'InternalServerError', `table id ${command.tableId} is taken`);
  }
  if (Object.keys(state.tables).length >= config.tableCountMax) {
    return rejectError(state, tableCountLimitError(config.tableCountMax));
  }
  if (tableOperationsInFlight(state) >= config.tableOperationsInFlightMax) {
    return rejectError(state, tableOperationsLimitError(config.tableOperationsInFlightMax));
  }
  const placements = placeNewPartitions(state, config.initialPartitionsPerTable, config);
  if (!placements.ok) return rejectError(state, placements.error);

  const table = tableRecordOf(command, spec.value);
  const created = partitionsOf(
    state,
    table.tableId,
    placements.value,
    config.initialPartitionsPerTable,
  );
  return accepted(
    {
      ...state,
      mapEpoch: state.mapEpoch + 1,
      nextPartitionNumber: created.nextPartitionNumber,
      tables: { ...state.tables, [table.tableId]: table },
      tableIdsByName: { ...state.tableIdsByName, [table.tableName]: table.tableId },
      partitions: created.partitions,
    },
    table,
  );
}

function tableRecordOf(command: CreateTableCommand, spec: TableSpec): TableRecord {
  return {
    tableId: command.tableId,
    tableName: spec.tableName,
    status: 'CREATING',
    keySchema: spec.keySchema,
    attributeDefinitions: spec.attributeDefinitions,
    billingMode: spec.billingMode,
    throughput: {
      readCapacityUnits: spec.readCapacityUnits,
      writeCapacityUnits: spec.writeCapacityUnits,
      lastIncreaseMs: null,
      lastDecreaseMs: null,
      decreasesToday: 0,
    },
    tags: spec.tags,
    createdMs: command.nowMs,
    lastUpdateToPayPerRequestMs: spec.billingMode === 'PAY_PER_REQUEST' ? command.nowMs : null,
  };
}

/** The new table's partitions: equal cuts of the hash space, with the planned replicas. */
function partitionsOf(
  state: ControlState,
  tableId: string,
  placements: readonly NewPartitionPlacement[],
  count: number,
): { partitions: Record<string, PartitionRecord>; nextPartitionNumber: number } {
  const partitions: Record<string, PartitionRecord> = { ...state.partitions };
  let nextPartitionNumber = state.nextPartitionNumber;
  cutHashSpace(count).forEach((range, index) => {
    const placement = placements[index];
    if (placement === undefined) return;
    const partitionId = `p${nextPartitionNumber}`;
    nextPartitionNumber += 1;
    partitions[partitionId] = {
      partitionId,
      tableId,
      start: range.start,
      end: range.end,
      epoch: 1,
      replicas: placement.nodeIds.map((nodeId) => ({ nodeId, role: 'voter' })),
      // A partition has no leader until its Raft group elects one and reports it; the table
      // stays CREATING until then.
      leaderNodeId: null,
      leaderTerm: 0,
      sizeBytes: 0,
      itemCount: 0,
    };
  });
  return { partitions, nextPartitionNumber };
}
