// PutItem request validation (table, then DynamoDB's own checks in its order).

import { ok, invalid, type Result } from '../errors.js';
import { itemSize, itemSizeBytesMax, sizeMessages } from '../item-size.js';
import { convertExpected, legacyConditionToAst } from '../legacy.js';
import {
  attributeMapShape,
  checkExpressionMixing,
  conditionalOperatorMember,
  convertItem,
  expectedMember,
  expressionAttributeNamesMember,
  expressionAttributeValuesMember,
  parseRequestExpressions,
  returnConsumedCapacityMember,
  returnItemCollectionMetricsMember,
  returnValuesMember,
  returnValuesOnConditionCheckFailureMember,
  stringMember,
  tableNameMember,
} from './common.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import type { ValidatedRequest } from './validated.js';

/** PutItem's declared members and constraints. */
export const putItemTable: OperationTable = {
  members: {
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    TableName: tableNameMember,
    Item: { shape: attributeMapShape(true) },
    ConditionalOperator: conditionalOperatorMember,
    Expected: expectedMember,
    ReturnValues: returnValuesMember,
    ReturnItemCollectionMetrics: returnItemCollectionMetricsMember,
    ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailureMember,
    ConditionExpression: stringMember,
    ExpressionAttributeValues: expressionAttributeValuesMember,
    ExpressionAttributeNames: expressionAttributeNamesMember,
  },
};

/** Validates a PutItem request. */
export function validatePutItem(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(putItemTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const mixing = checkExpressionMixing(data, ['ConditionExpression'], ['Expected']);
  if (!mixing.ok) return mixing;
  const item = convertItem(data, 'Item');
  if (!item.ok) return item;
  const returnValues = data['ReturnValues'];
  if (returnValues != null && returnValues !== 'ALL_OLD' && returnValues !== 'NONE') {
    return invalid('ReturnValues can only be ALL_OLD or NONE');
  }
  if (itemSize(item.value) > itemSizeBytesMax) return invalid(sizeMessages.item);
  const expected = convertExpected(data['Expected']);
  if (!expected.ok) return expected;
  const expressions = parseRequestExpressions(data);
  if (!expressions.ok) return expressions;
  const condition =
    expressions.value.condition ??
    legacyConditionToAst(expected.value, data['ConditionalOperator']);
  return ok({ data, item: item.value, ...(condition === undefined ? {} : { condition }) });
}
