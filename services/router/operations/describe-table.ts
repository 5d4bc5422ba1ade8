// DescribeTable: validated with lib/dynamo's table, answered by the catalog.

import { ok, validateDescribeTable, type Result } from '../../../lib/dynamo/index.js';
import { fromBackend, type OperationContext, type ResponseBody } from './shared.js';

/** Runs DescribeTable. */
export async function describeTable(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateDescribeTable(request);
  if (!validated.ok) return validated;
  const tableName = validated.value.data['TableName'] as string;
  const described = fromBackend(await context.backend.catalog.describeTable(tableName));
  return described.ok ? ok({ Table: described.value }) : described;
}
