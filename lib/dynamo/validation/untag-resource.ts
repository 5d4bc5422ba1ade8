// UntagResource request validation.

import { invalid, ok, type Result } from '../errors.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import { checkResourceArn, defaultCaller, type Caller } from './resource-arn.js';
import type { ValidatedRequest } from './validated.js';

/** UntagResource's declared members. */
export const untagResourceTable: OperationTable = {
  members: {
    ResourceArn: { shape: { kind: 'string' } },
    TagKeys: { shape: { kind: 'list', member: { kind: 'string' } } },
  },
};

/** Validates an UntagResource request. */
export function validateUntagResource(
  request: unknown,
  caller: Caller = defaultCaller,
): Result<ValidatedRequest> {
  const checked = validateAgainstTable(untagResourceTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const arn = checkResourceArn(data['ResourceArn'], 'UntagResource', caller, {
    name: 'TagKeys',
    value: data['TagKeys'],
  });
  if (!arn.ok) return arn;
  if ((data['TagKeys'] as unknown[]).length === 0)
    return invalid('Atleast one Tag Key needs to be provided as Input.');
  return ok({ data });
}
