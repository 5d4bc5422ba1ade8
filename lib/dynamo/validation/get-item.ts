// GetItem request validation.

import { ok, type Result } from '../errors.js';
import { attributesToGetPaths } from '../legacy.js';
import {
  attributeMapShape,
  attributesToGetMember,
  booleanMember,
  checkAttributesToGet,
  checkExpressionMixing,
  convertItem,
  expressionAttributeNamesMember,
  parseRequestExpressions,
  returnConsumedCapacityMember,
  stringMember,
  tableNameMember,
} from './common.js';
import { validateAgainstTable, type OperationTable } from './engine.js';
import type { ValidatedRequest } from './validated.js';

/** GetItem's declared members and constraints. */
export const getItemTable: OperationTable = {
  members: {
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    AttributesToGet: attributesToGetMember,
    TableName: tableNameMember,
    Key: { shape: attributeMapShape(true) },
    ConsistentRead: booleanMember,
    ProjectionExpression: stringMember,
    ExpressionAttributeNames: expressionAttributeNamesMember,
  },
};

/** Validates a GetItem request. */
export function validateGetItem(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(getItemTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const mixing = checkExpressionMixing(data, ['ProjectionExpression'], ['AttributesToGet']);
  if (!mixing.ok) return mixing;
  const key = convertItem(data, 'Key');
  if (!key.ok) return key;
  const duplicates = checkAttributesToGet(data);
  if (!duplicates.ok) return duplicates;
  const expressions = parseRequestExpressions(data);
  if (!expressions.ok) return expressions;
  const projection =
    expressions.value.projection?.paths ??
    (data['AttributesToGet'] == null ? undefined : attributesToGetPaths(data['AttributesToGet']));
  return ok({ data, key: key.value, ...(projection === undefined ? {} : { projection }) });
}
