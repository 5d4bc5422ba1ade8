// UpdateItem: apply an update expression to the stored item (or to the bare key when there is
// none), under an optional condition, with every ReturnValues mode.
import {
  applyUpdate,
  checkUpdateKeys,
  conditionalCheckFailed,
  consumedCapacity,
  encodeItem,
  evaluateCondition,
  itemSize,
  projectItem,
  validateKey,
  writeCapacityUnits,
  type DocumentPath,
  type Item,
  type UpdateExpression,
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

/** The paths an update touches, for UPDATED_OLD / UPDATED_NEW. */
function updatedPaths(update: UpdateExpression | undefined): DocumentPath[] {
  return update === undefined ? [] : update.actions.map((action) => action.path);
}

/** The attributes ReturnValues asks for, or undefined for NONE or an empty answer. */
function returnedAttributes(
  mode: string,
  oldItem: Item | undefined,
  newItem: Item,
  paths: readonly DocumentPath[],
): Item | undefined {
  let result: Item | undefined;
  if (mode === 'ALL_OLD') result = oldItem;
  else if (mode === 'ALL_NEW') result = newItem;
  else if (mode === 'UPDATED_OLD') result = oldItem && projectItem(oldItem, paths);
  else if (mode === 'UPDATED_NEW') result = projectItem(newItem, paths);
  return result === undefined || result.size === 0 ? undefined : result;
}

/** Evaluates a validated UpdateItem against `view`. */
export async function evaluateUpdateItem(
  view: ReadView,
  spec: PartitionSpec,
  request: ValidatedRequest,
): Promise<WriteEvaluation> {
  const keyItem = request.key;
  if (keyItem === undefined) throw new Error('update-item: validated request without Key');
  const valid = validateKey(keyItem, spec.schema);
  if (!valid.ok) return { mutations: [], outcome: outcomeError(valid.error) };
  if (request.update !== undefined) {
    const keyNames = [spec.schema.partitionKey.name, spec.schema.sortKey?.name ?? ''];
    const keysUntouched = checkUpdateKeys(
      request.update,
      keyNames.filter((name) => name !== ''),
    );
    if (!keysUntouched.ok) return { mutations: [], outcome: outcomeError(keysUntouched.error) };
  }
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
  const base = oldItem ?? keyItem;
  const updated =
    request.update === undefined
      ? { ok: true as const, value: base }
      : applyUpdate(request.update, base);
  if (!updated.ok) return { mutations: [], outcome: outcomeError(updated.error) };
  const newItem = updated.value;
  const units = writeCapacityUnits(
    itemSize(newItem),
    oldItem === undefined ? 0 : itemSize(oldItem),
  );
  const capacity = consumedCapacity(
    spec.tableName,
    units,
    'write',
    stringMember(request.data, 'ReturnConsumedCapacity'),
  );
  const attributes = returnedAttributes(
    stringMember(request.data, 'ReturnValues'),
    oldItem,
    newItem,
    updatedPaths(request.update),
  );
  return {
    mutations: [{ kind: 'put', key, value: encodeItem(newItem) }],
    outcome: outcomeOk({
      ...(attributes === undefined ? {} : { attributes }),
      ...(capacity === undefined ? {} : { consumedCapacity: capacity }),
    }),
  };
}
