// GetItem: validate (lib/dynamo's table, then the key schema), read, project, price.

import {
  readCapacityUnits,
  validateGetItem,
  validateKey,
  ok,
  type Item,
  type Result,
} from '../../../lib/dynamo/index.js';
import {
  capacityFor,
  fromBackend,
  loadTable,
  project,
  sizeOf,
  wire,
  withCapacity,
  type OperationContext,
  type ResponseBody,
} from './shared.js';

/** Runs GetItem. */
export async function getItem(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateGetItem(request);
  if (!validated.ok) return validated;
  const { data, projection } = validated.value;
  const tableName = data['TableName'] as string;
  const table = await loadTable(context, tableName);
  if (!table.ok) return table;
  const key = validateKey(validated.value.key as Item, table.value.keySchema);
  if (!key.ok) return key;
  const read = fromBackend(await context.backend.data.getItem(table.value, validated.value));
  if (!read.ok) return read;
  const { item } = read.value;
  // The whole item is read (and paid for) whatever the projection keeps.
  const mode = data['ConsistentRead'] === true ? 'consistent' : 'eventual';
  const units = readCapacityUnits(sizeOf(item), mode);
  const body: ResponseBody = item === undefined ? {} : { Item: wire(project(item, projection)) };
  return ok(
    withCapacity(body, capacityFor(tableName, units, 'read', data['ReturnConsumedCapacity'])),
  );
}
