// Scan request validation, including parallel scan's Segment / TotalSegments rules.

import { invalid, ok, type Result } from '../errors.js';
import { attributesToGetPaths, convertConditionMap, legacyConditionToAst } from '../legacy.js';
import {
  attributesToGetMember,
  attributeMapShape,
  booleanMember,
  checkAttributesToGet,
  checkExpressionMixing,
  conditionalOperatorMember,
  conditionMapMember,
  expressionAttributeNamesMember,
  expressionAttributeValuesMember,
  indexNameMember,
  parseRequestExpressions,
  returnConsumedCapacityMember,
  selectMember,
  stringMember,
  tableNameMember,
} from './common.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import { checkSelect, convertStartKey } from './query.js';
import type { ValidatedRequest } from './validated.js';

/** Scan's declared members and constraints. */
export const scanTable: OperationTable = {
  members: {
    Select: selectMember,
    IndexName: indexNameMember,
    TotalSegments: { shape: { kind: 'integer', constraints: [c.min(1), c.max(1000000)] } },
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    TableName: tableNameMember,
    ConditionalOperator: conditionalOperatorMember,
    AttributesToGet: attributesToGetMember,
    Segment: { shape: { kind: 'integer', constraints: [c.min(0), c.max(999999)] } },
    Limit: { shape: { kind: 'integer', constraints: [c.min(1)] } },
    ExclusiveStartKey: { shape: attributeMapShape(false) },
    ScanFilter: conditionMapMember,
    ConsistentRead: booleanMember,
    FilterExpression: stringMember,
    ProjectionExpression: stringMember,
    ExpressionAttributeValues: expressionAttributeValuesMember,
    ExpressionAttributeNames: expressionAttributeNamesMember,
  },
};

function checkSegments(segment: unknown, totalSegments: unknown): Result<null> {
  if (segment != null && totalSegments == null) {
    return invalid(
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    );
  }
  if (totalSegments != null) {
    if (segment == null) {
      return invalid(
        'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
      );
    }
    if ((segment as number) >= (totalSegments as number)) {
      return invalid(
        `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${String(segment)} is not less than TotalSegments: ${String(totalSegments)}`,
      );
    }
  }
  return ok(null);
}

/** Validates a Scan request. */
export function validateScan(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(scanTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const mixing = checkExpressionMixing(
    data,
    ['ProjectionExpression', 'FilterExpression'],
    ['AttributesToGet', 'ScanFilter', 'ConditionalOperator'],
  );
  if (!mixing.ok) return mixing;
  const duplicates = checkAttributesToGet(data);
  if (!duplicates.ok) return duplicates;
  const scanFilter = convertConditionMap(data['ScanFilter']);
  if (!scanFilter.ok) return scanFilter;
  const startKey = convertStartKey(data);
  if (!startKey.ok) return startKey;
  const segments = checkSegments(data['Segment'], data['TotalSegments']);
  if (!segments.ok) return segments;
  const select = checkSelect(data);
  if (!select.ok) return select;
  const expressions = parseRequestExpressions(data);
  if (!expressions.ok) return expressions;
  const filter =
    expressions.value.filter ?? legacyConditionToAst(scanFilter.value, data['ConditionalOperator']);
  const projection =
    expressions.value.projection?.paths ??
    (data['AttributesToGet'] == null ? undefined : attributesToGetPaths(data['AttributesToGet']));
  return ok({
    data,
    ...(startKey.value === undefined ? {} : { exclusiveStartKey: startKey.value }),
    ...(filter === undefined ? {} : { filter }),
    ...(projection === undefined ? {} : { projection }),
  });
}
