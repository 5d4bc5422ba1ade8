// ListTables: validated with lib/dynamo's table, answered by the catalog, one page at a time.

import { ok, validateListTables, type Result } from '../../../lib/dynamo/index.js';
import { fromBackend, type OperationContext, type ResponseBody } from './shared.js';

/** ListTables' page size when the request gives no Limit (DynamoDB's default). */
export const listTablesLimitDefault = 100;

/** Runs ListTables. */
export async function listTables(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateListTables(request);
  if (!validated.ok) return validated;
  const { data } = validated.value;
  const start = data['ExclusiveStartTableName'];
  const limit = data['Limit'];
  const listed = fromBackend(
    await context.backend.catalog.listTables(
      typeof start === 'string' ? start : undefined,
      typeof limit === 'number' ? limit : listTablesLimitDefault,
    ),
  );
  if (!listed.ok) return listed;
  const { tableNames, lastEvaluatedTableName } = listed.value;
  return ok({
    TableNames: tableNames,
    ...(lastEvaluatedTableName === undefined
      ? {}
      : { LastEvaluatedTableName: lastEvaluatedTableName }),
  });
}
