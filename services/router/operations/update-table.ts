// UpdateTable: validated with lib/dynamo's table, forwarded to the catalog. Index updates are
// refused by name until Tessera has secondary indexes.

import { fail, ok, validateUpdateTable, type Result } from '../../../lib/dynamo/index.js';
import {
  featureNotImplemented,
  fromBackend,
  type OperationContext,
  type ResponseBody,
} from './shared.js';

/** Runs UpdateTable. */
export async function updateTable(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateUpdateTable(request);
  if (!validated.ok) return validated;
  const updates = validated.value.data['GlobalSecondaryIndexUpdates'];
  if (Array.isArray(updates) && updates.length > 0) {
    return fail(featureNotImplemented('GlobalSecondaryIndexUpdates'));
  }
  const updated = fromBackend(await context.backend.catalog.updateTable(validated.value));
  return updated.ok ? ok({ TableDescription: updated.value }) : updated;
}
