// What every command shares: the partition it runs in, the outcome it returns, and the
// storage-key helpers that map DynamoDB keys onto the partition's contiguous key range.
//
// Commands compute, engines apply (STYLE rule 2): a command reads through a `ReadView`,
// returns the mutations to apply and the response to send, and never writes itself.
import {
  DynamoError,
  decodeItem,
  encodeCompositeKey,
  encodeKeyValue,
  type AttributeValue,
  type ConsumedCapacity,
  type Item,
  type KeySchema,
} from '../../../lib/dynamo/index.js';
import { compareBytes } from '../engine/bytes.js';
import type { Mutation, ReadView } from '../engine/engine.js';
import { itemKey, partitionKeyHash, partitionRange } from '../engine/storage-keys.js';
import type { KeyRange } from '../engine/storage-keys.js';

/** The partition a command runs in: its table, key schema and hash range. */
export interface PartitionSpec {
  readonly tableId: string;
  readonly tableName: string;
  readonly schema: KeySchema;
  /** Inclusive start of the 16-byte MD5 hash range. */
  readonly hashStart: Uint8Array;
  /** Exclusive end of the hash range; undefined is the end of the hash space. */
  readonly hashEnd: Uint8Array | undefined;
}

/** The answer of a write command. */
export interface WriteResponse {
  /** ReturnValues' attributes, when asked for and present. */
  readonly attributes?: Item;
  readonly consumedCapacity?: ConsumedCapacity;
}

/** The answer of GetItem. */
export interface GetResponse {
  readonly item?: Item;
  readonly consumedCapacity?: ConsumedCapacity;
}

/** The answer of one Query or Scan page. */
export interface PageResponse {
  /** Items after filter and projection; empty for Select COUNT. */
  readonly items: readonly Item[];
  readonly count: number;
  readonly scannedCount: number;
  readonly lastEvaluatedKey?: Item;
  readonly consumedCapacity?: ConsumedCapacity;
}

/**
 * How a command ended. `wrong-partition` means the key is outside this partition's range (the
 * router's map is stale, or a split moved the key): a routing condition, not a DynamoDB error.
 * `error.item` is the old item for ReturnValuesOnConditionCheckFailure=ALL_OLD.
 */
export type CommandOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'error'; readonly error: DynamoError; readonly item?: Item }
  | { readonly kind: 'wrong-partition' };

/** A write command's result: what to apply, and what to answer once applied. */
export interface WriteEvaluation {
  readonly mutations: readonly Mutation[];
  readonly outcome: CommandOutcome<WriteResponse>;
}

/** Builds an `ok` outcome. */
export function outcomeOk<T>(value: T): CommandOutcome<T> {
  return { kind: 'ok', value };
}

/** Builds an `error` outcome. */
export function outcomeError<T>(error: DynamoError, item?: Item): CommandOutcome<T> {
  return item === undefined ? { kind: 'error', error } : { kind: 'error', error, item };
}

/** An engine failure seen by a command: DynamoDB's InternalServerError, nothing written. */
export function internalError(message: string): DynamoError {
  return new DynamoError('InternalServerError', `Internal server error: ${message}`);
}

/** The MD5 hash of a partition key value (the placement hash). */
export function hashOfPartitionKey(value: AttributeValue): Uint8Array {
  return partitionKeyHash(encodeKeyValue(value));
}

/** Whether a hash falls in the partition's range. */
export function hashInRange(spec: PartitionSpec, hash: Uint8Array): boolean {
  if (compareBytes(hash, spec.hashStart) < 0) return false;
  return spec.hashEnd === undefined || compareBytes(hash, spec.hashEnd) < 0;
}

/** The storage key of an item with key attributes `key`, or undefined when out of range. */
export function storageKeyOf(spec: PartitionSpec, key: Item): Uint8Array | undefined {
  const partition = key.get(spec.schema.partitionKey.name);
  if (partition === undefined) return undefined;
  const sortName = spec.schema.sortKey?.name;
  const sort = sortName === undefined ? undefined : key.get(sortName);
  const hash = hashOfPartitionKey(partition);
  if (!hashInRange(spec, hash)) return undefined;
  return itemKey(spec.tableId, hash, encodeCompositeKey(partition, sort));
}

/** The whole key range of the partition. */
export function specRange(spec: PartitionSpec): KeyRange {
  return partitionRange(spec.tableId, spec.hashStart, spec.hashEnd);
}

/** Reads and decodes one item; `undefined` when absent. */
export async function readItem(
  view: ReadView,
  key: Uint8Array,
): Promise<{ ok: true; item: Item | undefined } | { ok: false; error: DynamoError }> {
  const read = await view.get(key);
  if (!read.ok) return { ok: false, error: internalError(read.error.message) };
  if (read.value === undefined) return { ok: true, item: undefined };
  const decoded = decodeItem(read.value);
  return decoded.ok ? { ok: true, item: decoded.value } : { ok: false, error: decoded.error };
}

/** A request member as a string ('' when absent). */
export function stringMember(data: Readonly<Record<string, unknown>>, name: string): string {
  const value = data[name];
  return typeof value === 'string' ? value : '';
}

/**
 * Secondary indexes are not stored by this node yet: a request naming one is refused with
 * DynamoDB's message rather than answered from the base table.
 */
export function refuseIndex(data: Readonly<Record<string, unknown>>): DynamoError | undefined {
  const indexName = data['IndexName'];
  if (typeof indexName !== 'string' || indexName === '') return undefined;
  return new DynamoError(
    'ValidationException',
    `The table does not have the specified index: ${indexName}`,
  );
}
