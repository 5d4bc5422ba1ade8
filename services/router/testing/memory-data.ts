// TEST DOUBLE. The data half of the in-memory backend: items in a Map per table, with
// lib/dynamo's evaluation of conditions, updates, key conditions and filters. It stands in
// for the storage nodes in tests and in `--backend=memory` development mode; it has no
// replication, no durability and no partitions of its own.

import {
  applyUpdate,
  compareBytes,
  compareScalars,
  conditionalCheckFailed,
  inKeyRange,
  sortKeyRange,
  encodeCompositeKey,
  encodeItem,
  evaluateCondition,
  extractKey,
  itemSize,
  itemToWire,
  type AttributeValue,
  type Item,
  type KeyConditions,
  type KeySchema,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type {
  BackendResult,
  DataBackend,
  PageOutcome,
  ReadOutcome,
  TableInfo,
  WriteOutcome,
} from '../backend.js';
import { hashInRange, partitionKeyHash, type HashRange } from '../routing/hash-space.js';
import type { MemoryTable } from './memory-catalog.js';

/** A Query or Scan page reads at most this much before it stops (DynamoDB's 1 MB). */
export const pageBytesMax = 1024 * 1024;

/** Decides whether a call fails with a routing condition instead of running (fault injection). */
export type FaultInjector = (
  operation: string,
  table: TableInfo,
  key: Item | undefined,
) => 'unavailable' | 'throttled' | undefined;

const emptyItem: Item = new Map();

function keyIdentity(item: Item, schema: KeySchema): string {
  return Buffer.from(encodeItem(extractKey(item, schema))).toString('latin1');
}

function sortKeyOf(item: Item, schema: KeySchema): AttributeValue | undefined {
  return schema.sortKey === undefined ? undefined : item.get(schema.sortKey.name);
}

/** The order of items in a scan: by partition-key hash, then by the encoded key. */
function scanPosition(item: Item, schema: KeySchema): { hash: string; key: Uint8Array } {
  const partition = item.get(schema.partitionKey.name) as AttributeValue;
  return {
    hash: partitionKeyHash(partition),
    key: encodeCompositeKey(partition, sortKeyOf(item, schema)),
  };
}

function compareScanPositions(
  a: { hash: string; key: Uint8Array },
  b: { hash: string; key: Uint8Array },
): number {
  if (a.hash !== b.hash) return a.hash < b.hash ? -1 : 1;
  return compareBytes(a.key, b.key);
}

/** The in-memory data path over the catalog's tables. */
export class MemoryData implements DataBackend {
  constructor(
    private readonly tables: Map<string, MemoryTable>,
    private readonly faults: { inject: FaultInjector | undefined },
  ) {}

  private fault<T>(
    operation: string,
    table: TableInfo,
    key: Item | undefined,
  ): BackendResult<T> | undefined {
    const injected = this.faults.inject?.(operation, table, key);
    return injected === undefined ? undefined : { kind: injected, reason: 'injected fault' };
  }

  private items(table: TableInfo): Map<string, Item> | undefined {
    return this.tables.get(table.tableName)?.items;
  }

  private checkCondition(
    request: ValidatedRequest,
    old: Item | undefined,
  ): BackendResult<never> | undefined {
    if (request.condition === undefined || evaluateCondition(request.condition, old ?? emptyItem)) {
      return undefined;
    }
    const returnOld = request.data['ReturnValuesOnConditionCheckFailure'] === 'ALL_OLD';
    const item = returnOld && old !== undefined ? itemToWire(old) : undefined;
    return { kind: 'error', error: conditionalCheckFailed(item) };
  }

  putItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<WriteOutcome>> {
    const item = request.item as Item;
    const items = this.items(table);
    const fault = this.fault<WriteOutcome>('PutItem', table, item);
    if (fault !== undefined || items === undefined) return Promise.resolve(fault ?? this.gone());
    const id = keyIdentity(item, table.keySchema);
    const old = items.get(id);
    const failed = this.checkCondition(request, old);
    if (failed !== undefined) return Promise.resolve(failed);
    items.set(id, item);
    return Promise.resolve({
      kind: 'ok',
      value: { ...(old ? { oldItem: old } : {}), newItem: item },
    });
  }

  getItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<ReadOutcome>> {
    const key = request.key as Item;
    const items = this.items(table);
    const fault = this.fault<ReadOutcome>('GetItem', table, key);
    if (fault !== undefined || items === undefined) return Promise.resolve(fault ?? this.gone());
    const item = items.get(keyIdentity(key, table.keySchema));
    return Promise.resolve({ kind: 'ok', value: item === undefined ? {} : { item } });
  }

  updateItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<WriteOutcome>> {
    const key = request.key as Item;
    const items = this.items(table);
    const fault = this.fault<WriteOutcome>('UpdateItem', table, key);
    if (fault !== undefined || items === undefined) return Promise.resolve(fault ?? this.gone());
    const id = keyIdentity(key, table.keySchema);
    const old = items.get(id);
    const failed = this.checkCondition(request, old);
    if (failed !== undefined) return Promise.resolve(failed);
    const base = old ?? key;
    const updated =
      request.update === undefined
        ? { ok: true as const, value: base }
        : applyUpdate(request.update, base);
    if (!updated.ok) return Promise.resolve({ kind: 'error', error: updated.error });
    items.set(id, updated.value);
    return Promise.resolve({
      kind: 'ok',
      value: { ...(old ? { oldItem: old } : {}), newItem: updated.value },
    });
  }

  deleteItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<WriteOutcome>> {
    const key = request.key as Item;
    const items = this.items(table);
    const fault = this.fault<WriteOutcome>('DeleteItem', table, key);
    if (fault !== undefined || items === undefined) return Promise.resolve(fault ?? this.gone());
    const id = keyIdentity(key, table.keySchema);
    const old = items.get(id);
    const failed = this.checkCondition(request, old);
    if (failed !== undefined) return Promise.resolve(failed);
    items.delete(id);
    return Promise.resolve({ kind: 'ok', value: old ? { oldItem: old } : {} });
  }

  query(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<PageOutcome>> {
    const items = this.items(table);
    const fault = this.fault<PageOutcome>('Query', table, undefined);
    if (fault !== undefined || items === undefined) return Promise.resolve(fault ?? this.gone());
    const schema = table.keySchema;
    // One encoded key range per Query, exactly as the storage node's iterator will use it.
    const conditions = request.keyConditions as KeyConditions;
    const partitionKey = conditions.get(schema.partitionKey.name)?.values[0] as AttributeValue;
    const sortCondition =
      schema.sortKey === undefined ? undefined : conditions.get(schema.sortKey.name);
    const range = sortKeyRange(partitionKey, sortCondition);
    const matching = [...items.values()].filter((item) =>
      inKeyRange(
        encodeCompositeKey(
          item.get(schema.partitionKey.name) as AttributeValue,
          sortKeyOf(item, schema),
        ),
        range,
      ),
    );
    const bySortKey = (a: Item, b: Item): number => {
      const left = sortKeyOf(a, schema);
      const right = sortKeyOf(b, schema);
      return left === undefined || right === undefined ? 0 : (compareScalars(left, right) ?? 0);
    };
    matching.sort(bySortKey);
    if (request.data['ScanIndexForward'] === false) matching.reverse();
    const start = request.exclusiveStartKey;
    const startIndex =
      start === undefined
        ? 0
        : matching.findIndex((item) => {
            const order = bySortKey(item, start);
            return request.data['ScanIndexForward'] === false ? order < 0 : order > 0;
          });
    const remaining = startIndex < 0 ? [] : matching.slice(startIndex);
    return Promise.resolve({ kind: 'ok', value: this.page(remaining, request, schema) });
  }

  scan(
    table: TableInfo,
    request: ValidatedRequest,
    range: HashRange,
  ): Promise<BackendResult<PageOutcome>> {
    const items = this.items(table);
    const fault = this.fault<PageOutcome>('Scan', table, undefined);
    if (fault !== undefined || items === undefined) return Promise.resolve(fault ?? this.gone());
    const schema = table.keySchema;
    const positioned = [...items.values()]
      .map((item) => ({ item, position: scanPosition(item, schema) }))
      .filter(({ position }) => hashInRange(position.hash, range))
      .sort((a, b) => compareScanPositions(a.position, b.position));
    const start = request.exclusiveStartKey;
    const startPosition = start === undefined ? undefined : scanPosition(start, schema);
    const remaining = positioned
      .filter(
        ({ position }) =>
          startPosition === undefined || compareScanPositions(position, startPosition) > 0,
      )
      .map(({ item }) => item);
    return Promise.resolve({ kind: 'ok', value: this.page(remaining, request, schema) });
  }

  /** Reads items in order until Limit items or 1 MB have been read, then filters. */
  private page(
    ordered: readonly Item[],
    request: ValidatedRequest,
    schema: KeySchema,
  ): PageOutcome {
    const limit = typeof request.data['Limit'] === 'number' ? request.data['Limit'] : Infinity;
    const read: Item[] = [];
    let readSizeBytes = 0;
    for (const item of ordered) {
      if (read.length >= limit || readSizeBytes >= pageBytesMax) break;
      read.push(item);
      readSizeBytes += itemSize(item);
    }
    const filter = request.filter;
    const items =
      filter === undefined ? read : read.filter((item) => evaluateCondition(filter, item));
    const last = read.at(-1);
    // As DynamoDB: a page that stopped at Limit or 1 MB has a LastEvaluatedKey even when
    // nothing follows it; the next page is then empty.
    const stopped = read.length >= limit || readSizeBytes >= pageBytesMax;
    return {
      items,
      scannedCount: read.length,
      readSizeBytes,
      ...(stopped && last !== undefined ? { lastEvaluatedKey: extractKey(last, schema) } : {}),
    };
  }

  /** The table was deleted between the router's lookup and this call. */
  private gone(): BackendResult<never> {
    return { kind: 'unavailable', reason: 'table deleted' };
  }
}
