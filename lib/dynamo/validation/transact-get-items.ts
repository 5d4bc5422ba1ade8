// TransactGetItems request validation: 1 to 100 Get actions, no two on one item.

import { invalid, ok, type Result } from '../errors.js';
import { encodeItem } from '../item-codec.js';
import {
  attributeMapShape,
  convertAttributeMap,
  expressionAttributeNamesMember,
  parseRequestExpressions,
  returnConsumedCapacityMember,
  tableNameMember,
  type RequestData,
} from './common.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import type { ValidatedRequest } from './validated.js';

/** A transaction holds at most this many actions. */
export const transactItemsMax = 100;

/** DynamoDB's message when two actions of one transaction name the same item. */
export const duplicateItemMessage =
  'Transaction request cannot include multiple operations on one item';

/** TransactGetItems's declared members and constraints. */
export const transactGetItemsTable: OperationTable = {
  members: {
    TransactItems: {
      shape: {
        kind: 'list',
        constraints: [c.notNull, c.lengthMin(1), c.lengthMax(transactItemsMax)],
        member: {
          kind: 'structure',
          name: 'TransactGetItem',
          members: {
            Get: {
              kind: 'structure',
              name: 'Get',
              field: true,
              constraints: [c.notNull],
              members: {
                Key: attributeMapShape(true),
                TableName: tableNameMember.shape,
                ProjectionExpression: { kind: 'string' },
                ExpressionAttributeNames: expressionAttributeNamesMember.shape,
              },
            },
          },
        },
      },
    },
    ReturnConsumedCapacity: returnConsumedCapacityMember,
  },
};

/** A stable identity for (table, key), to find two actions on one item. */
export function itemIdentity(tableName: string, key: ReadonlyMap<string, unknown>): string {
  const sorted = new Map(
    [...(key as ReadonlyMap<string, never>)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return `${tableName}\u0000${Buffer.from(encodeItem(sorted)).toString('latin1')}`;
}

/** Validates a TransactGetItems request. */
export function validateTransactGetItems(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(transactGetItemsTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const seen = new Set<string>();
  for (const element of data['TransactItems'] as { Get: RequestData }[]) {
    const get = element.Get;
    const key = convertAttributeMap(get['Key']);
    if (!key.ok) return key;
    const expressions = parseRequestExpressions(get);
    if (!expressions.ok) return expressions;
    const identity = itemIdentity(String(get['TableName']), key.value);
    if (seen.has(identity)) return invalid(duplicateItemMessage);
    seen.add(identity);
  }
  return ok({ data });
}
