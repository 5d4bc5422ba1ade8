// ListTagsOfResource request validation.

import { ok, type Result } from '../errors.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import { checkResourceArn, defaultCaller, type Caller } from './resource-arn.js';
import type { ValidatedRequest } from './validated.js';

/** ListTagsOfResource's declared members. */
export const listTagsOfResourceTable: OperationTable = {
  members: { ResourceArn: { shape: { kind: 'string' } }, NextToken: { shape: { kind: 'string' } } },
};

/** Validates a ListTagsOfResource request. */
export function validateListTagsOfResource(
  request: unknown,
  caller: Caller = defaultCaller,
): Result<ValidatedRequest> {
  const checked = validateAgainstTable(listTagsOfResourceTable, request);
  if (!checked.ok) return checked;
  const arn = checkResourceArn(checked.value['ResourceArn'], 'ListTagsOfResource', caller);
  return arn.ok ? ok({ data: checked.value }) : arn;
}
