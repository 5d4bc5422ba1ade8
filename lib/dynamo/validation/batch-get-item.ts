// BatchGetItem request validation: at most 100 keys in all, no duplicate keys per table.

import { invalid, ok, type Result } from '../errors.js';
import { encodeItem } from '../item-codec.js';
import {
  attributeMapShape,
  attributesToGetMember,
  checkAttributesToGet,
  checkExpressionMixing,
  convertAttributeMap,
  expressionAttributeNamesMember,
  parseRequestExpressions,
  returnConsumedCapacityMember,
  type RequestData,
} from './common.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import type { ValidatedRequest } from './validated.js';

/** BatchGetItem reads at most this many keys per request. */
export const batchGetKeysMax = 100;

/** BatchGetItem's declared members and constraints. */
export const batchGetItemTable: OperationTable = {
  members: {
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    RequestItems: {
      shape: {
        kind: 'map',
        javaValueType: 'com.amazonaws.dynamodb.v20120810.KeysAndAttributes',
        constraints: [
          c.notNull,
          c.lengthMin(1),
          c.keys([c.lengthMax(255), c.lengthMin(3), c.regex('[a-zA-Z0-9_.-]+')]),
        ],
        value: {
          kind: 'structure',
          name: 'KeysAndAttributes',
          members: {
            Keys: {
              kind: 'list',
              constraints: [c.notNull, c.lengthMin(1), c.lengthMax(100)],
              member: attributeMapShape(false, true),
            },
            AttributesToGet: attributesToGetMember.shape,
            ConsistentRead: { kind: 'boolean' },
            ProjectionExpression: { kind: 'string' },
            ExpressionAttributeNames: expressionAttributeNamesMember.shape,
          },
        },
      },
    },
  },
};

function checkTable(tableData: RequestData, seenCount: { keys: number }): Result<null> {
  const mixing = checkExpressionMixing(tableData, ['ProjectionExpression'], ['AttributesToGet']);
  if (!mixing.ok) return mixing;
  const duplicates = checkAttributesToGet(tableData);
  if (!duplicates.ok) return duplicates;
  const expressions = parseRequestExpressions(tableData);
  if (!expressions.ok) return expressions;
  const seen = new Set<string>();
  for (const wireKey of tableData['Keys'] as unknown[]) {
    const key = convertAttributeMap(wireKey);
    if (!key.ok) return key;
    const sorted = new Map([...key.value].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const identity = Buffer.from(encodeItem(sorted)).toString('latin1');
    if (seen.has(identity)) return invalid('Provided list of item keys contains duplicates');
    seen.add(identity);
    seenCount.keys++;
    if (seenCount.keys > batchGetKeysMax) {
      return invalid('Too many items requested for the BatchGetItem call');
    }
  }
  return ok(null);
}

/** Validates a BatchGetItem request. */
export function validateBatchGetItem(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(batchGetItemTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  const counter = { keys: 0 };
  for (const tableData of Object.values(data['RequestItems'] as Record<string, RequestData>)) {
    const table = checkTable(tableData, counter);
    if (!table.ok) return table;
  }
  return ok({ data });
}
