/**
 * The table catalog as DynamoDB shows it: DescribeTable and ListTables responses in DynamoDB's
 * exact shape, and DynamoDB's exact error messages for the catalog's operating errors.
 *
 * Messages were checked against DynamoDB's API reference and against dynalite
 * (node_modules/dynalite/actions/*.js), which copies them from the service.
 */
import { fail, ok } from './errors.js';
import type { ControlError, Result } from './errors.js';
import { partitionsOfTable } from './state.js';
import type {
  AttributeDefinition,
  BillingMode,
  ControlState,
  KeySchemaElement,
  TableRecord,
  TableStatus,
} from './state.js';

/** Where ARNs point: DynamoDB's region and account, configured per cluster. */
export interface ArnContext {
  readonly region: string;
  readonly accountId: string;
}

/** The ProvisionedThroughputDescription DynamoDB returns (dates in epoch seconds). */
export interface ProvisionedThroughputDescription {
  readonly LastIncreaseDateTime?: number;
  readonly LastDecreaseDateTime?: number;
  readonly NumberOfDecreasesToday: number;
  readonly ReadCapacityUnits: number;
  readonly WriteCapacityUnits: number;
}

/** The BillingModeSummary DynamoDB returns. */
export interface BillingModeSummary {
  readonly BillingMode: BillingMode;
  readonly LastUpdateToPayPerRequestDateTime?: number;
}

/** The TableDescription DynamoDB returns from CreateTable, DescribeTable, UpdateTable, DeleteTable. */
export interface TableDescription {
  readonly AttributeDefinitions: readonly AttributeDefinition[];
  readonly TableName: string;
  readonly KeySchema: readonly KeySchemaElement[];
  readonly TableStatus: TableStatus;
  readonly CreationDateTime: number;
  readonly ProvisionedThroughput: ProvisionedThroughputDescription;
  readonly TableSizeBytes: number;
  readonly ItemCount: number;
  readonly TableArn: string;
  readonly TableId: string;
  readonly BillingModeSummary: BillingModeSummary;
  readonly DeletionProtectionEnabled: boolean;
}

/** ListTables' input. */
export interface ListTablesInput {
  readonly ExclusiveStartTableName?: string;
  readonly Limit?: number;
}

/** ListTables' output. */
export interface ListTablesOutput {
  readonly TableNames: string[];
  readonly LastEvaluatedTableName?: string;
}

/** ListTables returns at most this many names per page (DynamoDB's limit). */
export const LIST_TABLES_LIMIT_MAX = 100;

/** DynamoDB's ARN of a table. */
export function tableArn(arn: ArnContext, tableName: string): string {
  return `arn:aws:dynamodb:${arn.region}:${arn.accountId}:table/${tableName}`;
}

function epochSeconds(ms: number): number {
  return ms / 1000;
}

/**
 * Builds DynamoDB's TableDescription for a table. ItemCount and TableSizeBytes are the sums of
 * the partitions' last reports, approximate as DynamoDB's own (which it refreshes every ~6 h).
 */
export function describeTable(
  state: ControlState,
  table: TableRecord,
  arn: ArnContext,
): TableDescription {
  let itemCount = 0;
  let sizeBytes = 0;
  for (const partition of partitionsOfTable(state, table.tableId)) {
    itemCount += partition.itemCount;
    sizeBytes += partition.sizeBytes;
  }
  const throughput = table.throughput;
  const billingSummary: BillingModeSummary =
    table.lastUpdateToPayPerRequestMs === null
      ? { BillingMode: table.billingMode }
      : {
          BillingMode: table.billingMode,
          LastUpdateToPayPerRequestDateTime: epochSeconds(table.lastUpdateToPayPerRequestMs),
        };
  return {
    AttributeDefinitions: table.attributeDefinitions,
    TableName: table.tableName,
    KeySchema: table.keySchema,
    TableStatus: table.status,
    CreationDateTime: epochSeconds(table.createdMs),
    ProvisionedThroughput: {
      ...(throughput.lastIncreaseMs === null
        ? {}
        : { LastIncreaseDateTime: epochSeconds(throughput.lastIncreaseMs) }),
      ...(throughput.lastDecreaseMs === null
        ? {}
        : { LastDecreaseDateTime: epochSeconds(throughput.lastDecreaseMs) }),
      NumberOfDecreasesToday: throughput.decreasesToday,
      ReadCapacityUnits: throughput.readCapacityUnits,
      WriteCapacityUnits: throughput.writeCapacityUnits,
    },
    TableSizeBytes: sizeBytes,
    ItemCount: itemCount,
    TableArn: tableArn(arn, table.tableName),
    TableId: table.tableId,
    BillingModeSummary: billingSummary,
    DeletionProtectionEnabled: false,
  };
}

/**
 * ListTables: names in ascending order after `ExclusiveStartTableName`, at most `Limit` (default
 * and maximum 100). `LastEvaluatedTableName` is present only when more names follow, so a client
 * that pages until it is absent never makes an empty extra call.
 */
export function listTables(state: ControlState, input: ListTablesInput): Result<ListTablesOutput> {
  const limit = input.Limit ?? LIST_TABLES_LIMIT_MAX;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_TABLES_LIMIT_MAX) {
    const constraint =
      limit < 1
        ? 'Member must have value greater than or equal to 1'
        : 'Member must have value less than or equal to 100';
    return fail(
      'ValidationException',
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: ${constraint}`,
    );
  }
  const start = input.ExclusiveStartTableName;
  // Code-unit order is what DynamoDB uses for table names, which are ASCII only.
  const names = Object.keys(state.tableIdsByName)
    .filter((name) => start === undefined || name > start)
    .sort();
  if (names.length <= limit) return ok({ TableNames: names });
  const page = names.slice(0, limit);
  return ok({ TableNames: page, LastEvaluatedTableName: page[page.length - 1] });
}

/** DescribeTable, with DynamoDB's error when the table does not exist. */
export function describeTableByName(
  state: ControlState,
  tableName: string,
  arn: ArnContext,
): Result<TableDescription> {
  const tableId = Object.hasOwn(state.tableIdsByName, tableName)
    ? state.tableIdsByName[tableName]
    : undefined;
  const table = tableId === undefined ? undefined : state.tables[tableId];
  if (table === undefined) return { ok: false, error: tableNotFoundError(tableName) };
  return ok(describeTable(state, table, arn));
}

/** ResourceNotFoundException for a missing table, worded as DynamoDB words it. */
export function tableNotFoundError(tableName: string): ControlError {
  return {
    code: 'ResourceNotFoundException',
    message: `Requested resource not found: Table: ${tableName} not found`,
  };
}

/** ResourceInUseException for CreateTable of a name that exists. */
export function tableExistsError(tableName: string): ControlError {
  return { code: 'ResourceInUseException', message: `Table already exists: ${tableName}` };
}

/** ResourceInUseException for changing a table that is not ACTIVE. */
export function tableInUseError(tableName: string, status: TableStatus): ControlError {
  const doing = status === 'CREATING' ? 'created' : status === 'DELETING' ? 'deleted' : 'updated';
  return {
    code: 'ResourceInUseException',
    message: `Attempt to change a resource which is still in use: Table is being ${doing}: ${tableName}`,
  };
}

/** LimitExceededException for the table-count quota. */
export function tableCountLimitError(tableCountMax: number): ControlError {
  return {
    code: 'LimitExceededException',
    message: `Subscriber limit exceeded: There is a limit of ${tableCountMax} tables per subscriber`,
  };
}

/** LimitExceededException for too many tables CREATING, UPDATING or DELETING at once. */
export function tableOperationsLimitError(operationsMax: number): ControlError {
  return {
    code: 'LimitExceededException',
    message: `Subscriber limit exceeded: Only ${operationsMax} tables can be created, updated, or deleted simultaneously`,
  };
}

/** Counts the tables that are CREATING, UPDATING or DELETING. */
export function tableOperationsInFlight(state: ControlState): number {
  return Object.values(state.tables).filter((table) => table.status !== 'ACTIVE').length;
}
