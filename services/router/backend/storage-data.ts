// The data half of the cluster backend: item operations, Query and Scan over
// `tessera.storage.v1.Storage`, routed by partition-key hash through `StorageCaller`.
//
// The router's operations need the old and new item of a write (ReturnValues, capacity), a
// page's read size (capacity) and every item of a page (Count). The storage node answers
// DynamoDB's public shapes, so requests are adjusted on the way: writes ask for ALL_OLD
// (PutItem, DeleteItem) or whichever of ALL_OLD / ALL_NEW the client's ReturnValues needs
// (UpdateItem); pages ask for their consumed capacity, from which the read size is recovered
// (ceil(size / 4 KB) units, halved when eventually consistent); `Select: COUNT` is sent as a
// plain read because the router counts the items itself.

import type { DescMessage } from '@bufbuild/protobuf';
import type { AttributeValue, Item, ValidatedRequest } from '../../../lib/dynamo/index.js';
import {
  BatchWriteItemRequestSchema,
  DeleteItemRequestSchema,
  DeleteItemResponseSchema,
  GetItemRequestSchema,
  GetItemResponseSchema,
  PutItemRequestSchema,
  PutItemResponseSchema,
  QueryRequestSchema,
  QueryResponseSchema,
  ScanRequestSchema,
  ScanResponseSchema,
  UpdateItemRequestSchema,
  UpdateItemResponseSchema,
} from '../../../lib/gen/tessera/v1/dynamo_pb.js';
import type {
  BackendResult,
  BatchWriteOne,
  DataBackend,
  PageOutcome,
  ReadOutcome,
  TableInfo,
  WriteOutcome,
} from '../backend.js';
import { jsonToMessage } from '../../../lib/proto-json/convert.js';
import { partitionKeyHash, type HashHex, type HashRange } from '../routing/hash-space.js';
import type { PartitionEntry } from '../routing/partition-map.js';
import { dynamoErrorOf, optionalItem, responseJson } from './convert.js';
import type { StorageAnswer, StorageCaller } from './storage-call.js';
import type { BatchWriteResponse } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';

type JsonObject = Record<string, unknown>;

/** Bytes of one read capacity unit. */
const readUnitBytes = 4096;

/** A page stops growing past this many bytes read (DynamoDB's 1 MB). */
const pageBytesMax = 1024 * 1024;

/** Most partitions one Scan page walks, so a page's work stays bounded. */
export const scanPiecesPerPageMax = 64;

function partitionValue(table: TableInfo, item: Item | undefined): AttributeValue {
  const value = item?.get(table.keySchema.partitionKey.name);
  // The router validated the key against the schema before calling the backend.
  if (value === undefined) throw new Error('a routed request has no partition key value');
  return value;
}

/** The key attributes of `item`. */
function keyOf(table: TableInfo, item: Item): Item {
  const names = [table.keySchema.partitionKey.name, table.keySchema.sortKey?.name];
  const key = new Map<string, AttributeValue>();
  for (const name of names) {
    const value = name === undefined ? undefined : item.get(name);
    if (name !== undefined && value !== undefined) key.set(name, value);
  }
  return key;
}

function hashBytes(hash: HashHex | null): Uint8Array {
  return hash === null ? new Uint8Array() : new Uint8Array(Buffer.from(hash, 'hex'));
}

/** Read size of a page from its consumed capacity (see the file comment). */
function readSizeOf(json: JsonObject, consistent: boolean): number {
  const capacity = json['ConsumedCapacity'] as JsonObject | undefined;
  const units = Number(capacity?.['CapacityUnits'] ?? 0);
  return Math.round(units * (consistent ? 1 : 2)) * readUnitBytes;
}

function pageOf(json: JsonObject, consistent: boolean): PageOutcome {
  const items = ((json['Items'] ?? []) as unknown[]).map((wire) => optionalItem(wire) ?? new Map());
  const lastEvaluatedKey = optionalItem(json['LastEvaluatedKey']);
  return {
    items,
    scannedCount: Number(json['ScannedCount'] ?? 0),
    readSizeBytes: readSizeOf(json, consistent),
    ...(lastEvaluatedKey === undefined ? {} : { lastEvaluatedKey }),
  };
}

/** A page request as the storage node should see it (see the file comment). */
function pageRequestJson(data: JsonObject, limit: number | undefined): JsonObject {
  const json: JsonObject = { ...data, ReturnConsumedCapacity: 'TOTAL' };
  if (json['Select'] === 'COUNT') delete json['Select'];
  if (limit !== undefined) json['Limit'] = limit;
  else delete json['Limit'];
  return json;
}

/** Whether the client asked for consumed capacity. */
function wantsCapacity(data: JsonObject): boolean {
  const asked = data['ReturnConsumedCapacity'];
  return asked === 'TOTAL' || asked === 'INDEXES';
}

/** PutItem's and DeleteItem's ReturnValues towards the storage node: the old item if needed. */
function oldItemSide(data: JsonObject): 'ALL_OLD' | 'NONE' {
  return data['ReturnValues'] === 'ALL_OLD' || wantsCapacity(data) ? 'ALL_OLD' : 'NONE';
}

/** UpdateItem's ReturnValues towards the storage node: the side the client's choice needs. */
function updateReturnValues(data: JsonObject): 'ALL_OLD' | 'ALL_NEW' {
  const asked = data['ReturnValues'];
  return asked === 'ALL_OLD' || asked === 'UPDATED_OLD' ? 'ALL_OLD' : 'ALL_NEW';
}

/** The data backend over storage nodes. */
export class StorageData implements DataBackend {
  /** @param caller the routed-call runner (map, retries, failover). */
  constructor(private readonly caller: StorageCaller) {}

  private write(
    operation: 'PutItem' | 'UpdateItem' | 'DeleteItem',
    table: TableInfo,
    request: ValidatedRequest,
    returnValues: 'ALL_OLD' | 'ALL_NEW' | 'NONE',
  ): Promise<BackendResult<JsonObject>> {
    const keySource = operation === 'PutItem' ? request.item : request.key;
    // The router answers the client's ReturnConsumedCapacity itself; UpdateItem's units come
    // from the storage node, which sees both items (the answer carries only one).
    const capacity = operation === 'UpdateItem' || wantsCapacity(request.data) ? 'TOTAL' : 'NONE';
    const json = { ...request.data, ReturnValues: returnValues, ReturnConsumedCapacity: capacity };
    const schemas: Record<typeof operation, [DescMessage, DescMessage]> = {
      PutItem: [PutItemRequestSchema, PutItemResponseSchema],
      UpdateItem: [UpdateItemRequestSchema, UpdateItemResponseSchema],
      DeleteItem: [DeleteItemRequestSchema, DeleteItemResponseSchema],
    };
    const [requestSchema, responseSchema] = schemas[operation];
    const message = jsonToMessage(requestSchema as never, json);
    return this.caller.call({
      operation,
      table,
      hash: partitionKeyHash(partitionValue(table, keySource)),
      anyReplica: false,
      write: true,
      invoke: (client, partition, _entry, timeoutMs) => {
        const body = { partition, request: message as never };
        if (operation === 'PutItem') return client.putItem(body, { timeoutMs });
        if (operation === 'UpdateItem') return client.updateItem(body, { timeoutMs });
        return client.deleteItem(body, { timeoutMs });
      },
      decode: (response: object) => responseJson(responseSchema, response),
    });
  }

  /**
   * PutItem at the partition's leader. The old item comes back only when the client needs it
   * (ReturnValues ALL_OLD, or capacity, which counts the larger item): otherwise the storage
   * node need not read it at all.
   */
  async putItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<WriteOutcome>> {
    const result = await this.write('PutItem', table, request, oldItemSide(request.data));
    if (result.kind !== 'ok') return result;
    const oldItem = optionalItem(result.value['Attributes']);
    return { kind: 'ok', value: { ...(oldItem ? { oldItem } : {}), newItem: request.item! } };
  }

  /** UpdateItem at the leader (see `updateReturnValues` for which item comes back). */
  async updateItem(
    table: TableInfo,
    request: ValidatedRequest,
  ): Promise<BackendResult<WriteOutcome>> {
    const side = updateReturnValues(request.data);
    const result = await this.write('UpdateItem', table, request, side);
    if (result.kind !== 'ok') return result;
    const item = optionalItem(result.value['Attributes']);
    const capacity = result.value['ConsumedCapacity'] as JsonObject | undefined;
    const units = Number(capacity?.['CapacityUnits']);
    const counted = Number.isFinite(units) && units > 0 ? { capacityUnits: units } : {};
    if (item === undefined) return { kind: 'ok', value: counted };
    const returned = side === 'ALL_OLD' ? { oldItem: item } : { newItem: item };
    return { kind: 'ok', value: { ...returned, ...counted } };
  }

  /** DeleteItem at the leader; the old item comes back. */
  async deleteItem(
    table: TableInfo,
    request: ValidatedRequest,
  ): Promise<BackendResult<WriteOutcome>> {
    const result = await this.write('DeleteItem', table, request, oldItemSide(request.data));
    if (result.kind !== 'ok') return result;
    const oldItem = optionalItem(result.value['Attributes']);
    return { kind: 'ok', value: oldItem ? { oldItem } : {} };
  }

  /**
   * BatchWriteItem's writes of one table: grouped by the partition the cached map says owns
   * each key, one BatchWrite call (one Raft entry) per partition, the calls in parallel. A
   * group's routing failure (after the caller's retries) comes back on each of its writes, so
   * the operation can return them as UnprocessedItems; a map gone stale by a split sends a
   * group to a partition that no longer holds all its keys, which answers WrongPartition for
   * the whole group (nothing written), and the client's retry is grouped by the newer map.
   */
  async batchWrite(
    table: TableInfo,
    writes: readonly BatchWriteOne[],
    wantCapacity: boolean,
  ): Promise<BackendResult<WriteOutcome>[]> {
    const groups = new Map<string, number[]>();
    writes.forEach((write, index) => {
      const hash = partitionKeyHash(
        partitionValue(table, write.kind === 'put' ? write.item : write.key),
      );
      const group = this.caller.partitionOf(table.tableName, hash) ?? `unmapped:${hash}`;
      const members = groups.get(group);
      if (members === undefined) groups.set(group, [index]);
      else members.push(index);
    });
    const results: BackendResult<WriteOutcome>[] = [];
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const group = indexes.map((index) => writes[index]!);
        const answers = await this.batchWriteGroup(table, group, wantCapacity);
        indexes.forEach((index, i) => (results[index] = answers[i]!));
      }),
    );
    return results;
  }

  /** One BatchWrite call for writes that one partition owns (by the cached map). */
  private async batchWriteGroup(
    table: TableInfo,
    writes: readonly BatchWriteOne[],
    wantCapacity: boolean,
  ): Promise<BackendResult<WriteOutcome>[]> {
    const first = writes[0]!;
    const message = jsonToMessage(BatchWriteItemRequestSchema as never, {
      RequestItems: { [table.tableName]: writes.map((write) => write.wire) },
      ...(wantCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}),
    });
    const result = await this.caller.call({
      operation: 'BatchWriteItem',
      table,
      hash: partitionKeyHash(partitionValue(table, first.kind === 'put' ? first.item : first.key)),
      anyReplica: false,
      write: true,
      invoke: async (client, partition, _entry, timeoutMs) => {
        const answer = await client.batchWrite(
          { partition, request: message as never },
          { timeoutMs },
        );
        const whole = answer.error !== undefined || answer.routingError !== undefined;
        const shaped: StorageAnswer<BatchWriteResponse> = {
          ...(whole ? {} : { response: answer }),
          ...(answer.error === undefined ? {} : { error: answer.error }),
          ...(answer.routingError === undefined ? {} : { routingError: answer.routingError }),
        };
        return shaped;
      },
      decode: (response: BatchWriteResponse) => response,
    });
    if (result.kind !== 'ok') return writes.map(() => result);
    const response = result.value;
    if (response.results.length !== writes.length)
      return writes.map(() => ({
        kind: 'unavailable',
        reason: 'BatchWrite answered a wrong count',
      }));
    // The node counts the group's units in total (old and new items); the router adds up
    // per write, so the group's total goes on its first write.
    const total = response.consumedCapacity?.capacityUnits;
    return writes.map((write, i): BackendResult<WriteOutcome> => {
      const error = response.results[i]!.error;
      if (error !== undefined) return { kind: 'error', error: dynamoErrorOf(error) };
      const counted =
        wantCapacity && total !== undefined ? { capacityUnits: i === 0 ? total : 0 } : {};
      return {
        kind: 'ok',
        value: write.kind === 'put' ? { newItem: write.item, ...counted } : counted,
      };
    });
  }

  /** GetItem: the leader when strongly consistent, else any voter (failover, hedging). */
  getItem(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<ReadOutcome>> {
    const message = jsonToMessage(GetItemRequestSchema as never, request.data);
    return this.caller.call({
      operation: 'GetItem',
      table,
      hash: partitionKeyHash(partitionValue(table, request.key)),
      anyReplica: request.data['ConsistentRead'] !== true,
      write: false,
      invoke: (client, partition, _entry, timeoutMs) =>
        client.getItem({ partition, request: message as never }, { timeoutMs }),
      decode: (response) => {
        if (!response.found) return {};
        const item = optionalItem(responseJson(GetItemResponseSchema, response)['Item']);
        return { item: item ?? new Map() };
      },
    });
  }

  /** Query: one page from the partition owning the partition key. */
  query(table: TableInfo, request: ValidatedRequest): Promise<BackendResult<PageOutcome>> {
    const consistent = request.data['ConsistentRead'] === true;
    const condition = request.keyConditions?.get(table.keySchema.partitionKey.name);
    const value = condition?.values[0];
    if (value === undefined) throw new Error('a routed Query has no partition key condition');
    const limit = request.data['Limit'] as number | undefined;
    const message = jsonToMessage(
      QueryRequestSchema as never,
      pageRequestJson(request.data, limit),
    );
    return this.caller.call({
      operation: 'Query',
      table,
      hash: partitionKeyHash(value),
      anyReplica: !consistent,
      write: false,
      invoke: (client, partition, _entry, timeoutMs) =>
        client.query({ partition, request: message as never }, { timeoutMs }),
      decode: (response) => pageOf(responseJson(QueryResponseSchema, response), consistent),
    });
  }

  /** Scan of one piece: the part of one partition that lies in [position, range.end). */
  private scanPiece(
    table: TableInfo,
    data: JsonObject,
    position: HashHex,
    end: HashHex | null,
    bytesLeft: number,
  ): Promise<BackendResult<{ page: PageOutcome; pieceEnd: HashHex | null }>> {
    const consistent = data['ConsistentRead'] === true;
    const message = jsonToMessage(ScanRequestSchema as never, data);
    const pieceRange = (entry: PartitionEntry): HashRange => {
      const entryEnd = entry.range.end;
      const pieceEnd =
        end === null ? entryEnd : entryEnd === null || end < entryEnd ? end : entryEnd;
      return { start: position > entry.range.start ? position : entry.range.start, end: pieceEnd };
    };
    return this.caller.call({
      operation: 'Scan',
      table,
      hash: position,
      anyReplica: !consistent,
      write: false,
      invoke: (client, partition, entry, timeoutMs) => {
        const range = pieceRange(entry);
        const bounds = { start: hashBytes(range.start), end: hashBytes(range.end) };
        const budget = BigInt(Math.max(1, Math.floor(bytesLeft)));
        return client.scan(
          { partition, request: message as never, range: bounds, pageBytesMax: budget },
          { timeoutMs },
        );
      },
      decode: (response, entry) => ({
        page: pageOf(responseJson(ScanResponseSchema, response), consistent),
        pieceEnd: pieceRange(entry).end,
      }),
    });
  }

  /**
   * Scan of `range`: walks the partitions overlapping it in hash order, one at a time (the
   * page's Limit counts across them), continuing from ExclusiveStartKey's partition. The page
   * ends at the first piece that returns a LastEvaluatedKey, at the end of the range, or after
   * `scanPiecesPerPageMax` pieces (an error: a map that fragmented is a control-plane bug).
   */
  async scan(
    table: TableInfo,
    request: ValidatedRequest,
    range: HashRange,
  ): Promise<BackendResult<PageOutcome>> {
    const startKey = request.exclusiveStartKey;
    let position = range.start;
    if (startKey !== undefined) {
      const keyHash = partitionKeyHash(partitionValue(table, startKey));
      if (keyHash > position) position = keyHash;
    }
    const limit = request.data['Limit'] as number | undefined;
    const items: Item[] = [];
    let scannedCount = 0;
    let readSizeBytes = 0;
    for (let piece = 0; piece < scanPiecesPerPageMax; piece += 1) {
      // Past the Limit (see below) each further partition is asked for one item only.
      const remaining = limit === undefined ? undefined : Math.max(1, limit - scannedCount);
      const data = pageRequestJson(request.data, remaining);
      if (piece > 0) delete data['ExclusiveStartKey'];
      // The pieces share one 1 MB page: each may read what the ones before left.
      const bytesLeft = pageBytesMax - readSizeBytes;
      const result = await this.scanPiece(table, data, position, range.end, bytesLeft);
      if (result.kind !== 'ok') return result;
      const { page, pieceEnd } = result.value;
      items.push(...page.items);
      scannedCount += page.scannedCount;
      readSizeBytes += page.readSizeBytes;
      const rangeDone = pieceEnd === null || pieceEnd === range.end;
      const limitReached =
        (remaining !== undefined && page.scannedCount >= remaining) ||
        readSizeBytes >= pageBytesMax;
      // A storage node names no LastEvaluatedKey when its partition ended exactly at the
      // Limit (or 1 MB); the page must still say where to go on. The last item returned from this
      // partition does (what follows it here was filtered out and will be again); with none,
      // the walk goes on into the next partition rather than lose the rest of the range.
      const lastHere = limitReached && !rangeDone ? page.items.at(-1) : undefined;
      const lastEvaluatedKey = page.lastEvaluatedKey ?? (lastHere && keyOf(table, lastHere));
      if (lastEvaluatedKey !== undefined || rangeDone) {
        const value = { items, scannedCount, readSizeBytes };
        return { kind: 'ok', value: lastEvaluatedKey ? { ...value, lastEvaluatedKey } : value };
      }
      position = pieceEnd;
    }
    return {
      kind: 'unavailable',
      reason: `a Scan page crossed more than ${scanPiecesPerPageMax} partitions`,
    };
  }
}
