// Query request validation. The key-schema checks need the table, so they run later through
// checkKeyConditionsAgainstSchema; everything that needs only the request runs here.

import { invalid, ok, type Result } from '../errors.js';
import {
  attributesToGetPaths,
  convertConditionMap,
  legacyConditionToAst,
  legacyKeyConditions,
} from '../legacy.js';
import {
  attributeMapShape,
  attributesToGetMember,
  booleanMember,
  checkAttributesToGet,
  checkExpressionMixing,
  conditionalOperatorMember,
  conditionMapMember,
  convertAttributeMap,
  expressionAttributeNamesMember,
  expressionAttributeValuesMember,
  indexNameMember,
  parseRequestExpressions,
  returnConsumedCapacityMember,
  selectMember,
  stringMember,
  tableNameMember,
  type RequestData,
} from './common.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import type { ValidatedRequest } from './validated.js';

/** Query's declared members and constraints. */
export const queryTable: OperationTable = {
  members: {
    Select: selectMember,
    IndexName: indexNameMember,
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    QueryFilter: conditionMapMember,
    TableName: tableNameMember,
    ConditionalOperator: conditionalOperatorMember,
    AttributesToGet: attributesToGetMember,
    Limit: { shape: { kind: 'integer', constraints: [c.min(1)] } },
    KeyConditions: conditionMapMember,
    ExclusiveStartKey: { shape: attributeMapShape(false) },
    ConsistentRead: booleanMember,
    ScanIndexForward: booleanMember,
    KeyConditionExpression: stringMember,
    FilterExpression: stringMember,
    ProjectionExpression: stringMember,
    ExpressionAttributeValues: expressionAttributeValuesMember,
    ExpressionAttributeNames: expressionAttributeNamesMember,
  },
};

/** Messages about ExclusiveStartKey values get this prefix, except for number problems. */
export function startKeyMessage(message: string): string {
  const bare =
    /contains duplicates|number set|numeric value|significant digits|number with magnitude/;
  return bare.test(message) ? message : `The provided starting key is invalid: ${message}`;
}

/** Converts ExclusiveStartKey with DynamoDB's prefixing rule. */
export function convertStartKey(data: RequestData): Result<ValidatedRequest['exclusiveStartKey']> {
  const key = convertAttributeMap(data['ExclusiveStartKey']);
  if (!key.ok) return invalid(startKeyMessage(key.error.message));
  return ok(data['ExclusiveStartKey'] == null ? undefined : key.value);
}

/** Checks Select against the projection parameters, as Query and Scan share it. */
export function checkSelect(data: RequestData): Result<null> {
  const select = data['Select'];
  const projected = data['AttributesToGet'] != null || data['ProjectionExpression'] != null;
  if (projected && select != null && select !== 'SPECIFIC_ATTRIBUTES') {
    const parameter = data['AttributesToGet'] != null ? 'AttributesToGet' : 'ProjectionExpression';
    const shown = select === 'COUNT' ? 'Count' : String(select);
    return invalid(`Cannot specify the ${parameter} when choosing to get only the ${shown}`);
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && data['IndexName'] == null) {
    return invalid('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  }
  return ok(null);
}

/** Validates a Query request. */
export function validateQuery(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(queryTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const mixing = checkExpressionMixing(
    data,
    ['ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'],
    ['AttributesToGet', 'QueryFilter', 'ConditionalOperator', 'KeyConditions'],
  );
  if (!mixing.ok) return mixing;
  const queryFilter = convertConditionMap(data['QueryFilter']);
  if (!queryFilter.ok) return queryFilter;
  const duplicates = checkAttributesToGet(data);
  if (!duplicates.ok) return duplicates;
  const startKey = convertStartKey(data);
  if (!startKey.ok) return startKey;
  if (data['KeyConditions'] == null && data['KeyConditionExpression'] == null) {
    return invalid(
      'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
    );
  }
  const select = checkSelect(data);
  if (!select.ok) return select;
  const expressions = parseRequestExpressions(data);
  if (!expressions.ok) return expressions;
  let keyConditions = expressions.value.keyConditions;
  if (keyConditions === undefined) {
    const legacy = convertConditionMap(data['KeyConditions']);
    if (!legacy.ok) return legacy;
    const converted = legacyKeyConditions(legacy.value);
    if (!converted.ok) return converted;
    keyConditions = converted.value;
  }
  const filter =
    expressions.value.filter ??
    legacyConditionToAst(queryFilter.value, data['ConditionalOperator']);
  const projection =
    expressions.value.projection?.paths ??
    (data['AttributesToGet'] == null ? undefined : attributesToGetPaths(data['AttributesToGet']));
  return ok({
    data,
    keyConditions,
    ...(startKey.value === undefined ? {} : { exclusiveStartKey: startKey.value }),
    ...(filter === undefined ? {} : { filter }),
    ...(projection === undefined ? {} : { projection }),
  });
}
