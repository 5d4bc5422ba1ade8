// The ResourceArn checks TagResource, UntagResource and ListTagsOfResource share.

import { DynamoError, fail, invalid, ok, type Result } from '../errors.js';

/** Who is calling, for DynamoDB's AccessDeniedException text. */
export interface Caller {
  readonly accountId: string;
  readonly userName: string;
}

/** The caller named when the router does not pass one. */
export const defaultCaller: Caller = { accountId: '000000000000', userName: 'tessera' };

/**
 * Checks a ResourceArn in DynamoDB's order: missing, not ARN-shaped (AccessDenied), then the
 * remaining required member, then not a table ARN.
 */
export function checkResourceArn(
  arn: unknown,
  action: string,
  caller: Caller,
  requiredMember?: { name: string; value: unknown },
): Result<null> {
  if (arn == null) return invalid('Invalid TableArn');
  const text = String(arn);
  if (!/^.+:.+:.+:.+:.+:.+\/.+$/.test(text)) {
    return fail(
      new DynamoError(
        'AccessDeniedException',
        `User: arn:aws:iam::${caller.accountId}:${caller.userName} is not authorized to perform: dynamodb:${action} on resource: ${text || '*'}`,
      ),
    );
  }
  if (requiredMember !== undefined && requiredMember.value == null) {
    const path = requiredMember.name[0]?.toLowerCase() + requiredMember.name.slice(1);
    return invalid(
      `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (!/^arn:aws:dynamodb:.+:\d+:table\/[^/]{2}[^/]+$/.test(text)) {
    return invalid(`Invalid TableArn: Invalid ResourceArn provided as input ${text}`);
  }
  return ok(null);
}
