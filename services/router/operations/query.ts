// Query: validate (lib/dynamo's table, then the key conditions against the key schema), read
// one page from the partition owning the partition key, shape the answer.

import {
  checkKeyConditionsAgainstSchema,
  encodeCompositeKey,
  inKeyRange,
  invalid,
  ok,
  sortKeyRange,
  validateQuery,
  type AttributeValue,
  type Item,
  type KeyConditions,
  type KeySchema,
  type Result,
} from '../../../lib/dynamo/index.js';
import { checkPageRequest, pageResponse } from './page.js';
import { fromBackend, loadTable, type OperationContext, type ResponseBody } from './shared.js';

/**
 * DynamoDB refuses an ExclusiveStartKey that does not satisfy the key conditions (another
 * partition key, or a sort key outside the condition): it would start outside the results.
 */
function checkStartKeyBounds(
  startKey: Item | undefined,
  conditions: KeyConditions,
  schema: KeySchema,
): Result<null> {
  if (startKey === undefined) return ok(null);
  const partition = conditions.get(schema.partitionKey.name)?.values[0] as AttributeValue;
  const sortName = schema.sortKey?.name;
  const range = sortKeyRange(
    partition,
    sortName === undefined ? undefined : conditions.get(sortName),
  );
  const start = encodeCompositeKey(
    startKey.get(schema.partitionKey.name) as AttributeValue,
    sortName === undefined ? undefined : startKey.get(sortName),
  );
  if (inKeyRange(start, range)) return ok(null);
  return invalid(
    'The provided starting key is outside query boundaries based on provided conditions',
  );
}

/** Runs Query. */
export async function query(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateQuery(request);
  if (!validated.ok) return validated;
  const table = await loadTable(context, validated.value.data['TableName'] as string);
  if (!table.ok) return table;
  const page = checkPageRequest(validated.value, table.value);
  if (!page.ok) return page;
  const conditions = checkKeyConditionsAgainstSchema(
    validated.value.keyConditions as KeyConditions,
    table.value.keySchema,
  );
  if (!conditions.ok) return conditions;
  const bounds = checkStartKeyBounds(
    validated.value.exclusiveStartKey,
    conditions.value,
    table.value.keySchema,
  );
  if (!bounds.ok) return bounds;
  const checked = { ...validated.value, keyConditions: conditions.value };
  const read = fromBackend(await context.backend.data.query(table.value, checked));
  if (!read.ok) return read;
  return ok(pageResponse(checked, read.value));
}
