// TransactWriteItems request validation: 1 to 100 actions (ConditionCheck, Put, Delete,
// Update), exactly one per element, no two on one item.

import { invalid, ok, type Result } from '../errors.js';
import { itemSize, itemSizeBytesMax, sizeMessages } from '../item-size.js';
import {
  attributeMapShape,
  convertAttributeMap,
  expressionAttributeNamesMember,
  expressionAttributeValuesMember,
  parseRequestExpressions,
  returnConsumedCapacityMember,
  returnItemCollectionMetricsMember,
  returnValuesOnConditionCheckFailureMember,
  tableNameMember,
  type RequestData,
} from './common.js';
import { c, validateAgainstTable, type OperationTable, type Shape } from './engine.js';
import { duplicateItemMessage, itemIdentity, transactItemsMax } from './transact-get-items.js';
import type { ValidatedRequest } from './validated.js';

function actionShape(name: string, members: Readonly<Record<string, Shape>>): Shape {
  return {
    kind: 'structure',
    name,
    field: true,
    members: {
      ...members,
      TableName: tableNameMember.shape,
      ExpressionAttributeNames: expressionAttributeNamesMember.shape,
      ExpressionAttributeValues: expressionAttributeValuesMember.shape,
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailureMember.shape,
    },
  };
}

/** TransactWriteItems's declared members and constraints. */
export const transactWriteItemsTable: OperationTable = {
  members: {
    TransactItems: {
      shape: {
        kind: 'list',
        constraints: [c.notNull, c.lengthMin(1), c.lengthMax(transactItemsMax)],
        member: {
          kind: 'structure',
          name: 'TransactWriteItem',
          members: {
            ConditionCheck: actionShape('ConditionCheck', {
              Key: attributeMapShape(true),
              ConditionExpression: { kind: 'string', constraints: [c.notNull] },
            }),
            Put: actionShape('Put', {
              Item: attributeMapShape(true),
              ConditionExpression: { kind: 'string' },
            }),
            Delete: actionShape('Delete', {
              Key: attributeMapShape(true),
              ConditionExpression: { kind: 'string' },
            }),
            Update: actionShape('Update', {
              Key: attributeMapShape(true),
              UpdateExpression: { kind: 'string', constraints: [c.notNull] },
              ConditionExpression: { kind: 'string' },
            }),
          },
        },
      },
    },
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    ReturnItemCollectionMetrics: returnItemCollectionMetricsMember,
    ClientRequestToken: {
      shape: { kind: 'string', constraints: [c.lengthMin(1), c.lengthMax(36)] },
    },
  },
};

const actionNames = ['ConditionCheck', 'Put', 'Delete', 'Update'] as const;

function checkAction(action: RequestData, isPut: boolean): Result<ReadonlyMap<string, unknown>> {
  const itemOrKey = convertAttributeMap(isPut ? action['Item'] : action['Key']);
  if (!itemOrKey.ok) return itemOrKey;
  if (isPut && itemSize(itemOrKey.value) > itemSizeBytesMax) return invalid(sizeMessages.item);
  const expressions = parseRequestExpressions(action);
  if (!expressions.ok) return expressions;
  return ok(itemOrKey.value);
}

/**
 * Validates a TransactWriteItems request. Duplicate detection for Put compares the whole item,
 * so callers with the key schema should re-check Puts by key (the router knows the schema).
 */
export function validateTransactWriteItems(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(transactWriteItemsTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const seen = new Set<string>();
  for (const element of data['TransactItems'] as Record<string, RequestData | undefined>[]) {
    const present = actionNames.filter((name) => element[name] != null);
    if (present.length !== 1) {
      return invalid('TransactItems can only contain one of Check, Put, Update or Delete');
    }
    const name = present[0] as (typeof actionNames)[number];
    const action = element[name] as RequestData;
    const checkedAction = checkAction(action, name === 'Put');
    if (!checkedAction.ok) return checkedAction;
    if (name === 'Put') continue;
    const identity = itemIdentity(String(action['TableName']), checkedAction.value);
    if (seen.has(identity)) return invalid(duplicateItemMessage);
    seen.add(identity);
  }
  return ok({ data });
}
