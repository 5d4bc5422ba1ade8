// Query: validate (lib/dynamo's table, then the key conditions against the key schema), read
// one page from the partition owning the partition key, shape the answer.

import {
  checkKeyConditionsAgainstSchema,
  ok,
  validateQuery,
  type KeyConditions,
  type Result,
} from '../../../lib/dynamo/index.js';
import { checkPageRequest, pageResponse } from './page.js';
import { fromBackend, loadTable, type OperationContext, type ResponseBody } from './shared.js';

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
  const checked = { ...validated.value, keyConditions: conditions.value };
  const read = fromBackend(await context.backend.data.query(table.value, checked));
  if (!read.ok) return read;
  return ok(pageResponse(checked, read.value));
}
