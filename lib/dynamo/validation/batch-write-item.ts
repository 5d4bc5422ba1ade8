// BatchWriteItem request validation: at most 25 puts and deletes per request.

import { invalid, ok, type Result } from '../errors.js';
import { itemSize, itemSizeBytesMax, sizeMessages } from '../item-size.js';
import {
  attributeMapShape,
  convertAttributeMap,
  returnConsumedCapacityMember,
  returnItemCollectionMetricsMember,
} from './common.js';
import { c, validateAgainstTable, type OperationTable } from './engine.js';
import type { ValidatedRequest } from './validated.js';

/** BatchWriteItem accepts at most this many requests. */
export const batchWriteRequestsMax = 25;

/** BatchWriteItem's declared members and constraints. */
export const batchWriteItemTable: OperationTable = {
  members: {
    ReturnConsumedCapacity: returnConsumedCapacityMember,
    ReturnItemCollectionMetrics: returnItemCollectionMetricsMember,
    RequestItems: {
      shape: {
        kind: 'map',
        javaValueType: 'java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>',
        constraints: [
          c.notNull,
          c.lengthMin(1),
          c.keys([c.lengthMax(255), c.lengthMin(3), c.regex('[a-zA-Z0-9_.-]+')]),
          c.values([c.lengthMax(25), c.lengthMin(1)]),
        ],
        value: {
          kind: 'list',
          parameterized: true,
          member: {
            kind: 'structure',
            name: 'WriteRequest',
            members: {
              DeleteRequest: {
                kind: 'structure',
                name: 'DeleteRequest',
                field: true,
                members: { Key: attributeMapShape(true) },
              },
              PutRequest: {
                kind: 'structure',
                name: 'PutRequest',
                field: true,
                members: { Item: attributeMapShape(true) },
              },
            },
          },
        },
      },
    },
  },
};

type WriteRequest = {
  PutRequest?: { Item: unknown };
  DeleteRequest?: { Key: unknown };
};

function checkRequest(request: WriteRequest): Result<null> {
  if (request.PutRequest != null) {
    const item = convertAttributeMap(request.PutRequest.Item);
    if (!item.ok) return item;
    if (itemSize(item.value) > itemSizeBytesMax) return invalid(sizeMessages.item);
  } else if (request.DeleteRequest != null) {
    const key = convertAttributeMap(request.DeleteRequest.Key);
    if (!key.ok) return key;
  }
  return ok(null);
}

/** Validates a BatchWriteItem request. */
export function validateBatchWriteItem(request: unknown): Result<ValidatedRequest> {
  const checked = validateAgainstTable(batchWriteItemTable, request);
  if (!checked.ok) return checked;
  const data = checked.value;
  let total = 0;
  for (const requests of Object.values(data['RequestItems'] as Record<string, WriteRequest[]>)) {
    if (requests.some((one) => one == null || Object.keys(one).length === 0)) {
      return invalid(
        'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
      );
    }
    for (const one of requests) {
      const result = checkRequest(one);
      if (!result.ok) return result;
    }
    total += requests.length;
  }
  if (total > batchWriteRequestsMax) {
    return invalid('Too many items requested for the BatchWriteItem call');
  }
  return ok({ data });
}
