// BatchGetItem: validate (lib/dynamo's table: at most 100 keys, no duplicates), check every
// key against its table's schema, then read the keys with bounded concurrency. Keys whose
// partition is unavailable or throttled come back in UnprocessedKeys, as do keys past the
// 16 MB response limit; DynamoDB's clients retry them.

import {
  DynamoError,
  attributesToGetPaths,
  itemFromWire,
  fail,
  ok,
  parseRequestExpressions,
  readCapacityUnits,
  validateBatchGetItem,
  validateKey,
  type DocumentPath,
  type Item,
  type RequestData,
  type Result,
} from '../../../lib/dynamo/index.js';
import type { BackendResult, ReadOutcome, TableInfo } from '../backend.js';
import {
  capacityFor,
  loadTable,
  mapBounded,
  project,
  sizeOf,
  throughputExceededMessage,
  wire,
  type OperationContext,
  type ResponseBody,
} from './shared.js';

/** Largest response BatchGetItem returns; the keys past it are left unprocessed. */
export const batchGetResponseBytesMax = 16 * 1024 * 1024;

interface TablePlan {
  readonly table: TableInfo;
  readonly tableData: RequestData;
  readonly projection: readonly DocumentPath[] | undefined;
}

interface KeyRead {
  readonly plan: TablePlan;
  readonly key: Item;
  readonly wireKey: unknown;
}

async function planTable(
  context: OperationContext,
  tableName: string,
  tableData: RequestData,
  reads: KeyRead[],
): Promise<Result<null>> {
  const table = await loadTable(context, tableName);
  if (!table.ok) return table;
  const expressions = parseRequestExpressions(tableData);
  if (!expressions.ok) return expressions;
  const names = tableData['AttributesToGet'];
  const projection =
    expressions.value.projection?.paths ??
    (names == null ? undefined : attributesToGetPaths(names));
  const plan = { table: table.value, tableData, projection };
  for (const wireKey of tableData['Keys'] as unknown[]) {
    const key = itemFromWire(wireKey);
    if (!key.ok) return key;
    const checked = validateKey(key.value, table.value.keySchema);
    if (!checked.ok) return checked;
    reads.push({ plan, key: key.value, wireKey });
  }
  return ok(null);
}

function readOne(context: OperationContext, read: KeyRead): Promise<BackendResult<ReadOutcome>> {
  const { tableData, table } = read.plan;
  const data = {
    TableName: table.tableName,
    Key: read.wireKey,
    ConsistentRead: tableData['ConsistentRead'],
  };
  return context.backend.data.getItem(table, { data, key: read.key });
}

/** Runs BatchGetItem. */
export async function batchGetItem(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateBatchGetItem(request);
  if (!validated.ok) return validated;
  const { data } = validated.value;
  const reads: KeyRead[] = [];
  for (const [tableName, tableData] of Object.entries(
    data['RequestItems'] as Record<string, RequestData>,
  )) {
    const planned = await planTable(context, tableName, tableData, reads);
    if (!planned.ok) return planned;
  }
  const results = await mapBounded(reads, context.batchConcurrencyMax, (read) =>
    readOne(context, read),
  );
  const failed = results.find((result) => result.kind === 'error');
  if (failed?.kind === 'error') return fail(failed.error);
  if (results.length > 0 && results.every((result) => result.kind === 'throttled')) {
    return fail(
      new DynamoError('ProvisionedThroughputExceededException', throughputExceededMessage),
    );
  }
  return ok(shapeResponse(data, reads, results));
}

function shapeResponse(
  data: RequestData,
  reads: readonly KeyRead[],
  results: readonly BackendResult<ReadOutcome>[],
): ResponseBody {
  const responses: Record<string, unknown[]> = {};
  const unprocessed: Record<string, { Keys: unknown[] } & Record<string, unknown>> = {};
  const units = new Map<string, number>();
  for (const name of Object.keys(data['RequestItems'] as object)) responses[name] = [];
  let responseBytes = 0;
  reads.forEach((read, index) => {
    const result = results[index] as BackendResult<ReadOutcome>;
    const tableName = read.plan.table.tableName;
    const size = result.kind === 'ok' ? sizeOf(result.value.item) : 0;
    if (result.kind !== 'ok' || responseBytes + size > batchGetResponseBytesMax) {
      const entry = (unprocessed[tableName] ??= { ...read.plan.tableData, Keys: [] });
      entry.Keys.push(read.wireKey);
      return;
    }
    responseBytes += size;
    const mode = read.plan.tableData['ConsistentRead'] === true ? 'consistent' : 'eventual';
    units.set(tableName, (units.get(tableName) ?? 0) + readCapacityUnits(size, mode));
    const item = result.value.item;
    if (item !== undefined) responses[tableName]?.push(wire(project(item, read.plan.projection)));
  });
  const body: ResponseBody = { Responses: responses, UnprocessedKeys: unprocessed };
  const capacity = [...units].flatMap(([tableName, total]) => {
    const one = capacityFor(tableName, total, 'read', data['ReturnConsumedCapacity']);
    return one === undefined ? [] : [one];
  });
  return capacity.length === 0 ? body : { ...body, ConsumedCapacity: capacity };
}
