// BatchWriteItem: validate (lib/dynamo's table: at most 25 requests), check every item and key
// against its table's schema and for duplicates, then write with bounded concurrency. Requests
// whose partition is unavailable or throttled come back in UnprocessedItems.

import {
  DynamoError,
  itemFromWire,
  hasDuplicateKeys,
  fail,
  invalid,
  ok,
  validateBatchWriteItem,
  validateItemKeys,
  validateKey,
  writeCapacityUnits,
  type Item,
  type Result,
} from '../../../lib/dynamo/index.js';
import type { BackendResult, BatchWriteOne, TableInfo, WriteOutcome } from '../backend.js';
import {
  capacityFor,
  loadTable,
  mapBounded,
  sizeOf,
  throughputExceededMessage,
  type OperationContext,
  type ResponseBody,
} from './shared.js';

interface WireWriteRequest {
  readonly PutRequest?: { readonly Item: unknown };
  readonly DeleteRequest?: { readonly Key: unknown };
}

interface PlannedWrite {
  readonly table: TableInfo;
  readonly kind: 'put' | 'delete';
  /** The item (put) or the key (delete). */
  readonly value: Item;
  readonly wireValue: unknown;
  readonly original: WireWriteRequest;
}

const duplicatesMessage = 'Provided list of item keys contains duplicates';

function planWrite(table: TableInfo, original: WireWriteRequest): Result<PlannedWrite> {
  const put = original.PutRequest;
  const wireValue = put !== undefined ? put.Item : original.DeleteRequest?.Key;
  const value = itemFromWire(wireValue);
  if (!value.ok) return value;
  const checked =
    put !== undefined
      ? validateItemKeys(value.value, table.keySchema)
      : validateKey(value.value, table.keySchema);
  if (!checked.ok) return checked;
  const kind = put !== undefined ? 'put' : 'delete';
  return ok({ table, kind, value: value.value, wireValue, original });
}

async function planTable(
  context: OperationContext,
  tableName: string,
  requests: readonly WireWriteRequest[],
  writes: PlannedWrite[],
): Promise<Result<null>> {
  const table = await loadTable(context, tableName);
  if (!table.ok) return table;
  const planned: PlannedWrite[] = [];
  for (const original of requests) {
    const write = planWrite(table.value, original);
    if (!write.ok) return write;
    planned.push(write.value);
  }
  const values = planned.map((write) => write.value);
  if (hasDuplicateKeys(values, table.value.keySchema)) return invalid(duplicatesMessage);
  writes.push(...planned);
  return ok(null);
}

function writeOne(
  context: OperationContext,
  write: PlannedWrite,
): Promise<BackendResult<WriteOutcome>> {
  const tableName = write.table.tableName;
  if (write.kind === 'put') {
    const data = { TableName: tableName, Item: write.wireValue };
    return context.backend.data.putItem(write.table, { data, item: write.value });
  }
  const data = { TableName: tableName, Key: write.wireValue };
  return context.backend.data.deleteItem(write.table, { data, key: write.value });
}

function capacityAsked(returnConsumedCapacity: unknown): boolean {
  return returnConsumedCapacity === 'TOTAL' || returnConsumedCapacity === 'INDEXES';
}

/**
 * Every write, one result each in order: through the backend's `batchWrite` (one storage call
 * per partition) when it has one, else item by item with bounded concurrency.
 */
async function writeAll(
  context: OperationContext,
  writes: readonly PlannedWrite[],
  wantCapacity: boolean,
): Promise<BackendResult<WriteOutcome>[]> {
  const data = context.backend.data;
  if (data.batchWrite === undefined)
    return mapBounded(writes, context.batchConcurrencyMax, (write) => writeOne(context, write));
  const byTable = new Map<string, number[]>();
  writes.forEach((write, index) => {
    const indexes = byTable.get(write.table.tableName);
    if (indexes === undefined) byTable.set(write.table.tableName, [index]);
    else indexes.push(index);
  });
  const results: BackendResult<WriteOutcome>[] = [];
  await Promise.all(
    [...byTable.values()].map(async (indexes) => {
      const table = writes[indexes[0]!]!.table;
      const ones = indexes.map((index): BatchWriteOne => {
        const write = writes[index]!;
        return write.kind === 'put'
          ? { kind: 'put', item: write.value, wire: write.original }
          : { kind: 'delete', key: write.value, wire: write.original };
      });
      const answers = await data.batchWrite!(table, ones, wantCapacity);
      indexes.forEach((index, i) => (results[index] = answers[i]!));
    }),
  );
  return results;
}

/** Runs BatchWriteItem. */
export async function batchWriteItem(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateBatchWriteItem(request);
  if (!validated.ok) return validated;
  const { data } = validated.value;
  const writes: PlannedWrite[] = [];
  const requestItems = data['RequestItems'] as Record<string, WireWriteRequest[]>;
  for (const [tableName, requests] of Object.entries(requestItems)) {
    const planned = await planTable(context, tableName, requests, writes);
    if (!planned.ok) return planned;
  }
  const results = await writeAll(context, writes, capacityAsked(data['ReturnConsumedCapacity']));
  const failed = results.find((result) => result.kind === 'error');
  if (failed?.kind === 'error') return fail(failed.error);
  if (results.length > 0 && results.every((result) => result.kind === 'throttled')) {
    return fail(
      new DynamoError('ProvisionedThroughputExceededException', throughputExceededMessage),
    );
  }
  const unprocessed: Record<string, WireWriteRequest[]> = {};
  const units = new Map<string, number>();
  writes.forEach((write, index) => {
    const result = results[index] as BackendResult<WriteOutcome>;
    const tableName = write.table.tableName;
    if (result.kind !== 'ok') {
      (unprocessed[tableName] ??= []).push(write.original);
      return;
    }
    const used =
      result.value.capacityUnits ??
      writeCapacityUnits(sizeOf(result.value.newItem), sizeOf(result.value.oldItem));
    units.set(tableName, (units.get(tableName) ?? 0) + used);
  });
  const capacity = [...units].flatMap(([tableName, total]) => {
    const one = capacityFor(tableName, total, 'write', data['ReturnConsumedCapacity']);
    return one === undefined ? [] : [one];
  });
  const body: ResponseBody = { UnprocessedItems: unprocessed };
  return ok(capacity.length === 0 ? body : { ...body, ConsumedCapacity: capacity });
}
