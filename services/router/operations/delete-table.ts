// DeleteTable: validated with lib/dynamo's table, forwarded to the catalog.

import { ok, validateDeleteTable, type Result } from '../../../lib/dynamo/index.js';
import { fromBackend, type OperationContext, type ResponseBody } from './shared.js';

/** Runs DeleteTable. */
export async function deleteTable(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateDeleteTable(request);
  if (!validated.ok) return validated;
  const tableName = validated.value.data['TableName'] as string;
  const deleted = fromBackend(await context.backend.catalog.deleteTable(tableName));
  return deleted.ok ? ok({ TableDescription: deleted.value }) : deleted;
}
