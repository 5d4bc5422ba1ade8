// DeleteItem: remove an item by key, under an optional condition; ReturnValues ALL_OLD.
import {
  conditionalCheckFailed,
  consumedCapacity,
  evaluateCondition,
  itemSize,
  validateKey,
  writeCapacityUnits,
  type Item,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type { Mutation, ReadView } from '../engine/engine.js';
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

/** Evaluates a validated DeleteItem against `view`. */
export async function evaluateDeleteItem(
  view: ReadView,
  spec: PartitionSpec,
  request: ValidatedRequest,
): Promise<WriteEvaluation> {
  const keyItem = request.key;
  if (keyItem === undefined) throw new Error('delete-item: validated request without Key');
  const valid = validateKey(keyItem, spec.schema);
  if (!valid.ok) return { mutations: [], outcome: outcomeError(valid.error) };
  const key = storageKeyOf(spec, keyItem);
  if (key === undefined) return { mutations: [], outcome: { kind: 'wrong-partition' } };
  const old = await readItem(view, key);
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
  const units = writeCapacityUnits(0, oldItem === undefined ? 0 : itemSize(oldItem));
  const capacity = consumedCapacity(
    spec.tableName,
    units,
    'write',
    stringMember(request.data, 'ReturnConsumedCapacity'),
  );
  const mutations: Mutation[] = oldItem === undefined ? [] : [{ kind: 'delete', key }];
  const returnOld = stringMember(request.data, 'ReturnValues') === 'ALL_OLD';
  return {
    mutations,
    outcome: outcomeOk({
      ...(returnOld && oldItem !== undefined ? { attributes: oldItem } : {}),
      ...(capacity === undefined ? {} : { consumedCapacity: capacity }),
    }),
  };
}
