// PutItem: validate (lib/dynamo's table, then the key schema), write, shape the answer.

import {
  validateItemKeys,
  validatePutItem,
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

/** Runs PutItem. */
export async function putItem(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validatePutItem(request);
  if (!validated.ok) return validated;
  const { data } = validated.value;
  const tableName = data['TableName'] as string;
  const table = await loadTable(context, tableName);
  if (!table.ok) return table;
  const keys = validateItemKeys(validated.value.item as Item, table.value.keySchema);
  if (!keys.ok) return keys;
  const written = fromBackend(await context.backend.data.putItem(table.value, validated.value));
  if (!written.ok) return written;
  const { oldItem, newItem } = written.value;
  const units = writeCapacityUnits(sizeOf(newItem), sizeOf(oldItem));
  const body = withAttributes(
    {},
    returnedAttributes(data['ReturnValues'] as ReturnValues | undefined, oldItem, newItem),
  );
  return ok(
    withCapacity(body, capacityFor(tableName, units, 'write', data['ReturnConsumedCapacity'])),
  );
}
