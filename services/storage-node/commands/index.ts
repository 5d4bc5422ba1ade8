// The command layer's entry points: validate a DynamoDB request (its JSON form, as carried in
// the replicated log) and evaluate it against a read view.
//
// Why the log carries the REQUEST and not the mutations: every replica evaluates the same
// request against the same state at the same log position, so conditions, updates and return
// values come out identical everywhere without the leader reading before it proposes (which
// would race with the entries still in flight ahead of it), and an entry is the size of the
// request rather than the size of the whole new item. Validation is pure, so re-validating at
// apply time gives the same answer on every replica. The one exception is a blind batch (a
// BatchWrite without ReturnConsumedCapacity: no conditions, nothing read), whose mutations do
// not depend on state: its entry carries them (host/entry-codec.ts), computed once by the leader.
import {
  extractKey,
  validateDeleteItem,
  validateItemKeys,
  validateKey,
  validateGetItem,
  validatePutItem,
  validateQuery,
  validateScan,
  validateUpdateItem,
  type Result,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type { ReadView } from '../engine/engine.js';
import { evaluateDeleteItem } from './delete-item.js';
import { evaluatePutItem, putNeedsOldItem } from './put-item.js';
import { evaluateUpdateItem } from './update-item.js';
import { storageKeyOf, type PartitionSpec, type WriteEvaluation } from './types.js';

export { evaluateGetItem } from './get-item.js';
export { evaluateQuery, sortKeyRange } from './query.js';
export { evaluateScan, type HashBounds } from './scan.js';
export { pageBytesMax } from './page.js';
export * from './types.js';
export { evaluateDeleteItem, evaluatePutItem, evaluateUpdateItem, putNeedsOldItem };

/** The replicated write operations. */
export type WriteOperation = 'PutItem' | 'UpdateItem' | 'DeleteItem';
/** The read operations (served from a replica's state, never replicated). */
export type ReadOperation = 'GetItem' | 'Query' | 'Scan';

const validators: Readonly<
  Record<WriteOperation | ReadOperation, (request: unknown) => Result<ValidatedRequest>>
> = {
  PutItem: validatePutItem,
  UpdateItem: validateUpdateItem,
  DeleteItem: validateDeleteItem,
  GetItem: validateGetItem,
  Query: validateQuery,
  Scan: validateScan,
};

/** Validates a request's DynamoDB JSON for one operation. Pure and deterministic. */
export function validateOperation(
  operation: WriteOperation | ReadOperation,
  request: unknown,
): Result<ValidatedRequest> {
  return validators[operation](request);
}

/** Validates and evaluates one write at apply time. */
export async function evaluateWrite(
  view: ReadView,
  spec: PartitionSpec,
  operation: WriteOperation,
  request: unknown,
): Promise<WriteEvaluation> {
  return evaluateValidatedWrite(view, spec, operation, validateOperation(operation, request));
}

/**
 * The storage key that evaluating a write will read (the item it replaces, updates or
 * deletes), or undefined when it reads nothing or is invalid. Lets the state machine read the
 * old items of a whole batch of writes with one `getMany`; a wrong answer costs only a read.
 */
export function writeReadKey(
  spec: PartitionSpec,
  operation: WriteOperation,
  validated: Result<ValidatedRequest>,
): Uint8Array | undefined {
  if (!validated.ok) return undefined;
  const request = validated.value;
  if (operation === 'PutItem') {
    const item = request.item;
    if (item === undefined || !putNeedsOldItem(spec, request)) return undefined;
    if (!validateItemKeys(item, spec.schema).ok) return undefined;
    return storageKeyOf(spec, extractKey(item, spec.schema));
  }
  const key = request.key;
  if (key === undefined || !validateKey(key, spec.schema).ok) return undefined;
  return storageKeyOf(spec, key);
}

/** Evaluates one write whose request was validated by {@link validateOperation}. */
export async function evaluateValidatedWrite(
  view: ReadView,
  spec: PartitionSpec,
  operation: WriteOperation,
  validated: Result<ValidatedRequest>,
): Promise<WriteEvaluation> {
  if (!validated.ok) return { mutations: [], outcome: { kind: 'error', error: validated.error } };
  switch (operation) {
    case 'PutItem':
      return evaluatePutItem(view, spec, validated.value);
    case 'UpdateItem':
      return evaluateUpdateItem(view, spec, validated.value);
    case 'DeleteItem':
      return evaluateDeleteItem(view, spec, validated.value);
  }
}

export {
  batchNeedsOldItems,
  batchRequestBytesMax,
  batchStorageKeys,
  batchWritesMax,
  checkBatchRequestBytes,
  duplicateKeysMessage,
  evaluateBatchWrite,
  validateBatchWrite,
  type BatchWriteAction,
  type BatchWriteEvaluation,
  type BatchWriteItemResult,
  type BatchWriteResponse,
  type ValidatedBatchWrite,
} from './batch-write.js';
