// BatchWrite: up to 25 puts and deletes of ONE partition, replicated as one log entry and
// applied in one engine batch (DynamoDB's BatchWriteItem, the part of it one partition holds).
//
// BatchWriteItem has no conditions and no ReturnValues, so a batch is a list of blind writes:
// evaluating it reads nothing unless the caller asked for consumed capacity (which counts the
// larger of the old and the new item). Validation is pure and depends only on the request and
// the partition's key schema, so every replica re-validating at apply time gets the same answer;
// the writes are evaluated in request order, so the result is the same on every replica.
import {
  type DynamoError,
  consumedCapacity,
  decodeItem,
  encodeItem,
  extractKey,
  hasDuplicateKeys,
  invalid,
  itemFromWire,
  itemSize,
  ok,
  validateBatchWriteItem,
  validateItemKeys,
  validateKey,
  writeCapacityUnits,
  type ConsumedCapacity,
  type Item,
  type KeySchema,
  type Result,
} from '../../../lib/dynamo/index.js';
import type { Mutation, ReadView } from '../engine/engine.js';
import {
  internalError,
  outcomeError,
  outcomeOk,
  storageKeyOf,
  type CommandOutcome,
  type PartitionSpec,
} from './types.js';

/** Writes in one batch at most (DynamoDB's BatchWriteItem limit). */
export const batchWritesMax = 25;
/** Largest batch request, its JSON text (DynamoDB's 16 MB request limit). */
export const batchRequestBytesMax = 16 * 1024 * 1024;

/** DynamoDB's message for two writes to one key in one batch. */
export const duplicateKeysMessage = 'Provided list of item keys contains duplicates';

/** One write of a batch: a whole item to put, or a key to delete. */
export type BatchWriteAction =
  { readonly kind: 'put'; readonly item: Item } | { readonly kind: 'delete'; readonly key: Item };

/** A batch request checked against the partition's key schema. */
export interface ValidatedBatchWrite {
  readonly tableName: string;
  /** ReturnConsumedCapacity ('' when absent). */
  readonly returnConsumedCapacity: string;
  readonly actions: readonly BatchWriteAction[];
}

/** The result of one write of an evaluated batch (`undefined` error: written). */
export interface BatchWriteItemResult {
  readonly error?: DynamoError;
}

/** The answer of a batch: one result per write in request order, and the capacity used. */
export interface BatchWriteResponse {
  readonly results: readonly BatchWriteItemResult[];
  readonly consumedCapacity?: ConsumedCapacity;
}

/** A batch's evaluation: the mutations of every write, in order, and the answer. */
export interface BatchWriteEvaluation {
  readonly mutations: readonly Mutation[];
  readonly outcome: CommandOutcome<BatchWriteResponse>;
}

interface WireWriteRequest {
  readonly PutRequest?: { readonly Item: unknown };
  readonly DeleteRequest?: { readonly Key: unknown };
}

/**
 * Validates a batch request (BatchWriteItem's JSON) for a partition of `tableName` with key
 * schema `schema`: DynamoDB's shape and limits (25 writes, 400 KB items), one table only (the
 * partition's), every key complete and typed as the schema says, no two writes to one key.
 * Pure. The 16 MB request bound is checked where the JSON text is at hand ({@link
 * checkBatchRequestBytes}).
 */
export function validateBatchWrite(
  request: unknown,
  tableName: string,
  schema: KeySchema,
): Result<ValidatedBatchWrite> {
  const validated = validateBatchWriteItem(request);
  if (!validated.ok) return validated;
  const data = validated.value.data;
  const tables = Object.entries(data['RequestItems'] as Record<string, WireWriteRequest[]>);
  const [first] = tables;
  if (tables.length !== 1 || first === undefined || first[0] !== tableName)
    return invalid(`A batch for this partition must write table ${tableName} only`);
  const actions: BatchWriteAction[] = [];
  for (const wire of first[1]) {
    const action = actionOf(wire, schema);
    if (!action.ok) return action;
    actions.push(action.value);
  }
  if (actions.length > batchWritesMax)
    return invalid('Too many items requested for the BatchWriteItem call');
  const keys = actions.map((action) => (action.kind === 'put' ? action.item : action.key));
  if (hasDuplicateKeys(keys, schema)) return invalid(duplicateKeysMessage);
  const capacity = data['ReturnConsumedCapacity'];
  return ok({
    tableName,
    returnConsumedCapacity: typeof capacity === 'string' ? capacity : '',
    actions,
  });
}

function actionOf(wire: WireWriteRequest, schema: KeySchema): Result<BatchWriteAction> {
  const put = wire.PutRequest;
  const converted = itemFromWire(put !== undefined ? put.Item : wire.DeleteRequest?.Key);
  if (!converted.ok) return converted;
  if (put !== undefined) {
    const checked = validateItemKeys(converted.value, schema);
    return checked.ok ? ok({ kind: 'put', item: converted.value }) : checked;
  }
  const checked = validateKey(converted.value, schema);
  return checked.ok ? ok({ kind: 'delete', key: converted.value }) : checked;
}

/**
 * The 16 MB request bound, on the request's JSON text length. (DynamoDB's own HTTP front end
 * refuses such a body before BatchWriteItem sees it; its exact message is not known here.)
 */
export function checkBatchRequestBytes(jsonBytes: number): Result<null> {
  return jsonBytes > batchRequestBytesMax
    ? invalid(`The batch request exceeds ${batchRequestBytesMax} bytes`)
    : ok(null);
}

/** Whether evaluating the batch reads the items it replaces (only for the capacity answer). */
export function batchNeedsOldItems(batch: ValidatedBatchWrite): boolean {
  return consumedCapacity(batch.tableName, 0, 'write', batch.returnConsumedCapacity) !== undefined;
}

/**
 * The storage keys of the batch's writes, in order; undefined when any key lies outside the
 * partition (the router's map is stale or a split moved it).
 */
export function batchStorageKeys(
  spec: PartitionSpec,
  batch: ValidatedBatchWrite,
): Uint8Array[] | undefined {
  const keys: Uint8Array[] = [];
  for (const action of batch.actions) {
    const key = storageKeyOf(
      spec,
      action.kind === 'put' ? extractKey(action.item, spec.schema) : action.key,
    );
    if (key === undefined) return undefined;
    keys.push(key);
  }
  return keys;
}

/**
 * Evaluates a validated batch against `view`: every write in request order, all or nothing. A
 * key outside the partition makes the whole batch `wrong-partition` and a failed read makes it
 * an InternalServerError, with nothing written in either case.
 */
export async function evaluateBatchWrite(
  view: ReadView,
  spec: PartitionSpec,
  batch: ValidatedBatchWrite,
): Promise<BatchWriteEvaluation> {
  const keys = batchStorageKeys(spec, batch);
  if (keys === undefined) return { mutations: [], outcome: { kind: 'wrong-partition' } };
  const old = batchNeedsOldItems(batch) ? await readOldSizes(view, keys) : undefined;
  if (old !== undefined && !old.ok) return { mutations: [], outcome: outcomeError(old.error) };
  const mutations: Mutation[] = [];
  let units = 0;
  batch.actions.forEach((action, i) => {
    const key = keys[i]!;
    if (action.kind === 'put') mutations.push({ kind: 'put', key, value: encodeItem(action.item) });
    // A blind delete: an absent key costs a tombstone, which is cheaper than reading first.
    else mutations.push({ kind: 'delete', key });
    // Sizes are counted only for the capacity answer (itemSize walks the whole item).
    if (old !== undefined)
      units += writeCapacityUnits(action.kind === 'put' ? itemSize(action.item) : 0, old.value[i]!);
  });
  const capacity =
    old === undefined
      ? undefined
      : consumedCapacity(batch.tableName, units, 'write', batch.returnConsumedCapacity);
  return {
    mutations,
    outcome: outcomeOk({
      results: batch.actions.map(() => ({})),
      ...(capacity === undefined ? {} : { consumedCapacity: capacity }),
    }),
  };
}

/** The sizes of the items at `keys` (0 when absent), read with one `getMany`. */
async function readOldSizes(
  view: ReadView,
  keys: readonly Uint8Array[],
): Promise<Result<number[]>> {
  const read = await view.getMany(keys);
  if (!read.ok) return { ok: false, error: internalError(read.error.message) };
  const sizes: number[] = [];
  for (const value of read.value) {
    if (value === undefined) {
      sizes.push(0);
      continue;
    }
    const decoded = decodeItem(value);
    if (!decoded.ok) return decoded;
    sizes.push(itemSize(decoded.value));
  }
  return ok(sizes);
}
