// DeleteItem: validate (lib/dynamo's table, then the key schema), delete, shape the answer.

import {
  validateDeleteItem,
  validateKey,
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

/** Runs DeleteItem. */
export async function deleteItem(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateDeleteItem(request);
  if (!validated.ok) return validated;
  const { data } = validated.value;
  const tableName = data['TableName'] as string;
  const table = await loadTable(context, tableName);
  if (!table.ok) return table;
  const key = validateKey(validated.value.key as Item, table.value.keySchema);
  if (!key.ok) return key;
  const deleted = fromBackend(await context.backend.data.deleteItem(table.value, validated.value));
  if (!deleted.ok) return deleted;
  const { oldItem } = deleted.value;
  const units = writeCapacityUnits(0, sizeOf(oldItem));
  const body = withAttributes(
    {},
    returnedAttributes(data['ReturnValues'] as ReturnValues | undefined, oldItem, undefined),
  );
  return ok(
    withCapacity(body, capacityFor(tableName, units, 'write', data['ReturnConsumedCapacity'])),
  );
}
