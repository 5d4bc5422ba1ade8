// DeleteItem request validation.

import { invalid, ok, type Result } from '../errors.js';
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

/** DeleteItem's declared members and constraints. */
export const deleteItemTable: OperationTable = {
  members: {
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    TableName: tableNameMember,
    ReturnValues: returnValuesMember,
    ReturnItemCollectionMetrics: returnItemCollectionMetricsMember,
    Key: { shape: attributeMapShape(true) },
    ConditionalOperator: conditionalOperatorMember,
    Expected: expectedMember,
    ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailureMember,
    ConditionExpression: stringMember,
    ExpressionAttributeValues: expressionAttributeValuesMember,
    ExpressionAttributeNames: expressionAttributeNamesMember,
  },
};

/** Validates a DeleteItem request. */
export function validateDeleteItem(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(deleteItemTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const mixing = checkExpressionMixing(data, ['ConditionExpression'], ['Expected']);
  if (!mixing.ok) return mixing;
  const key = convertItem(data, 'Key');
  if (!key.ok) return key;
  const returnValues = data['ReturnValues'];
  if (returnValues != null && returnValues !== 'ALL_OLD' && returnValues !== 'NONE') {
    return invalid('ReturnValues can only be ALL_OLD or NONE');
  }
  const expected = convertExpected(data['Expected']);
  if (!expected.ok) return expected;
  const expressions = parseRequestExpressions(data);
  if (!expressions.ok) return expressions;
  const condition =
    expressions.value.condition ??
    legacyConditionToAst(expected.value, data['ConditionalOperator']);
  return ok({ data, key: key.value, ...(condition === undefined ? {} : { condition }) });
}
