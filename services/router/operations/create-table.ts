// CreateTable: validated with lib/dynamo's table, forwarded to the catalog (the control plane).
// Secondary indexes and streams are refused by name until Tessera has them.

import { fail, ok, validateCreateTable, type Result } from '../../../lib/dynamo/index.js';
import {
  featureNotImplemented,
  fromBackend,
  type OperationContext,
  type ResponseBody,
} from './shared.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Request members naming features Tessera does not have yet; checked after validation. */
function unsupportedCreateMember(request: unknown): string | undefined {
  if (!isObject(request)) return undefined;
  for (const member of ['LocalSecondaryIndexes', 'GlobalSecondaryIndexes']) {
    const value = request[member];
    if (Array.isArray(value) && value.length > 0) return member;
  }
  const stream = request['StreamSpecification'];
  if (isObject(stream) && stream['StreamEnabled'] === true) return 'StreamSpecification';
  return undefined;
}

/** Runs CreateTable. */
export async function createTable(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateCreateTable(request);
  if (!validated.ok) return validated;
  const unsupported = unsupportedCreateMember(request);
  if (unsupported !== undefined) return fail(featureNotImplemented(unsupported));
  const created = fromBackend(await context.backend.catalog.createTable(validated.value));
  return created.ok ? ok({ TableDescription: created.value }) : created;
}
