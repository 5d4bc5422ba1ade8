// PutItem: replace the whole item, under an optional condition. Evaluated at apply time on every
// replica from the same request, so the condition sees the same state everywhere.
import {
  conditionalCheckFailed,
  consumedCapacity,
  encodeItem,
  evaluateCondition,
  extractKey,
  itemSize,
  validateItemKeys,
  writeCapacityUnits,
  type Item,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type { ReadView } from '../engine/engine.js';
import {
  outcomeError,
  outcomeOk,
  readItem,
  storageKeyOf,
  stringMember,
  type PartitionSpec,
  type WriteEvaluation,
} from './types.js';

const empty: Item = new Map();

/**
 * Whether a PutItem reads the item it replaces: only for a condition, ReturnValues=ALL_OLD or
 * the capacity answer (which counts the larger of old and new). A plain PutItem skips the
 * read: on the apply path every replica awaited one engine read per entry, in sequence
 * (docs/storage.md, "What limits replicated writes").
 */
export function putNeedsOldItem(spec: PartitionSpec, request: ValidatedRequest): boolean {
  if (request.condition !== undefined) return true;
  if (stringMember(request.data, 'ReturnValues') === 'ALL_OLD') return true;
  const capacity = stringMember(request.data, 'ReturnConsumedCapacity');
  return consumedCapacity(spec.tableName, 0, 'write', capacity) !== undefined;
}

/** Evaluates a validated PutItem against `view`. */
export async function evaluatePutItem(
  view: ReadView,
  spec: PartitionSpec,
  request: ValidatedRequest,
): Promise<WriteEvaluation> {
  const item = request.item;
  if (item === undefined) throw new Error('put-item: validated request without Item');
  const keys = validateItemKeys(item, spec.schema);
  if (!keys.ok) return { mutations: [], outcome: outcomeError(keys.error) };
  const key = storageKeyOf(spec, extractKey(item, spec.schema));
  if (key === undefined) return { mutations: [], outcome: { kind: 'wrong-partition' } };
  const returnOld = stringMember(request.data, 'ReturnValues') === 'ALL_OLD';
  const old = putNeedsOldItem(spec, request)
    ? await readItem(view, key)
    : { ok: true as const, item: undefined };
  if (!old.ok) return { mutations: [], outcome: outcomeError(old.error) };
  const oldItem = old.item;
  if (request.condition !== undefined && !evaluateCondition(request.condition, oldItem ?? empty)) {
    const returnOld =
      stringMember(request.data, 'ReturnValuesOnConditionCheckFailure') === 'ALL_OLD';
    return {
      mutations: [],
      outcome: outcomeError(conditionalCheckFailed(), returnOld ? oldItem : undefined),
    };
  }
  const units = writeCapacityUnits(itemSize(item), oldItem === undefined ? 0 : itemSize(oldItem));
  const capacity = consumedCapacity(
    spec.tableName,
    units,
    'write',
    stringMember(request.data, 'ReturnConsumedCapacity'),
  );
  return {
    mutations: [{ kind: 'put', key, value: encodeItem(item) }],
    outcome: outcomeOk({
      ...(returnOld && oldItem !== undefined ? { attributes: oldItem } : {}),
      ...(capacity === undefined ? {} : { consumedCapacity: capacity }),
    }),
  };
}
