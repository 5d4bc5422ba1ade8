// UpdateItem: validate (lib/dynamo's table, the key schema, no updates of key attributes),
// apply where the item lives, shape the answer.

import {
  checkUpdateKeys,
  validateKey,
  validateUpdateItem,
  ok,
  writeCapacityUnits,
  returnedAttributes,
  type Item,
  type Result,
  type ReturnValues,
} from '../../../lib/dynamo/index.js';
import {
  capacityFor,
  fromBackend,
  loadTable,
  sizeOf,
  withAttributes,
  withCapacity,
  type OperationContext,
  type ResponseBody,
} from './shared.js';

/** Runs UpdateItem. */
export async function updateItem(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateUpdateItem(request);
  if (!validated.ok) return validated;
  const { data, update } = validated.value;
  const tableName = data['TableName'] as string;
  const table = await loadTable(context, tableName);
  if (!table.ok) return table;
  const schema = table.value.keySchema;
  const key = validateKey(validated.value.key as Item, schema);
  if (!key.ok) return key;
  if (update !== undefined) {
    const keyNames = [schema.partitionKey.name, ...(schema.sortKey ? [schema.sortKey.name] : [])];
    const keyUpdates = checkUpdateKeys(update, keyNames);
    if (!keyUpdates.ok) return keyUpdates;
  }
  const updated = fromBackend(await context.backend.data.updateItem(table.value, validated.value));
  if (!updated.ok) return updated;
  const { oldItem, newItem } = updated.value;
  // The storage node saw both items; a backend that does not say gets the router's estimate.
  const units = updated.value.capacityUnits ?? writeCapacityUnits(sizeOf(newItem), sizeOf(oldItem));
  const attributes = returnedAttributes(
    data['ReturnValues'] as ReturnValues | undefined,
    oldItem,
    newItem,
    update,
  );
  const body = withAttributes({}, attributes);
  return ok(
    withCapacity(body, capacityFor(tableName, units, 'write', data['ReturnConsumedCapacity'])),
  );
}
