// TagResource request validation.

import { invalid, ok, type Result } from '../errors.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import { checkResourceArn, defaultCaller, type Caller } from './resource-arn.js';
import type { ValidatedRequest } from './validated.js';

/** TagResource's declared members. */
export const tagResourceTable: OperationTable = {
  members: {
    ResourceArn: { shape: { kind: 'string' } },
    Tags: {
      shape: {
        kind: 'list',
        member: {
          kind: 'structure',
          name: 'Tag',
          members: { Key: { kind: 'string' }, Value: { kind: 'string' } },
        },
      },
    },
  },
};

/** Validates a TagResource request. */
export function validateTagResource(
  request: unknown,
  caller: Caller = defaultCaller,
): Result<ValidatedRequest> {
  const checked = validateAgainstTable(tagResourceTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const arn = checkResourceArn(data['ResourceArn'], 'TagResource', caller, {
    name: 'Tags',
    value: data['Tags'],
  });
  if (!arn.ok) return arn;
  if ((data['Tags'] as unknown[]).length === 0)
    return invalid('Atleast one Tag needs to be provided as Input.');
  return ok({ data });
}
