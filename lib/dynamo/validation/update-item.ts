// UpdateItem request validation.

import { ok, type Result } from '../errors.js';
import { convertAttributeUpdates, convertExpected, legacyConditionToAst } from '../legacy.js';
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

/** UpdateItem's declared members and constraints. */
export const updateItemTable: OperationTable = {
  members: {
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    TableName: tableNameMember,
    ReturnItemCollectionMetrics: returnItemCollectionMetricsMember,
    ReturnValues: returnValuesMember,
    Key: { shape: attributeMapShape(true) },
    ConditionalOperator: conditionalOperatorMember,
    Expected: expectedMember,
    AttributeUpdates: {
      shape: {
        kind: 'map',
        javaValueType: 'com.amazonaws.dynamodb.v20120810.AttributeValueUpdate',
        value: {
          kind: 'structure',
          name: 'AttributeValueUpdate',
          members: { Action: { kind: 'string' }, Value: { kind: 'attributeValue', field: true } },
        },
      },
    },
    ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailureMember,
    ConditionExpression: stringMember,
    UpdateExpression: stringMember,
    ExpressionAttributeValues: expressionAttributeValuesMember,
    ExpressionAttributeNames: expressionAttributeNamesMember,
  },
};

/** Validates an UpdateItem request. */
export function validateUpdateItem(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(updateItemTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const mixing = checkExpressionMixing(
    data,
    ['UpdateExpression', 'ConditionExpression'],
    ['AttributeUpdates', 'Expected'],
  );
  if (!mixing.ok) return mixing;
  const key = convertItem(data, 'Key');
  if (!key.ok) return key;
  const attributeUpdates = convertAttributeUpdates(data['AttributeUpdates']);
  if (!attributeUpdates.ok) return attributeUpdates;
  const expected = convertExpected(data['Expected']);
  if (!expected.ok) return expected;
  const expressions = parseRequestExpressions(data);
  if (!expressions.ok) return expressions;
  const condition =
    expressions.value.condition ??
    legacyConditionToAst(expected.value, data['ConditionalOperator']);
  const update = expressions.value.update ?? attributeUpdates.value;
  return ok({ data, key: key.value, update, ...(condition === undefined ? {} : { condition }) });
}
