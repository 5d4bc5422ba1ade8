// What Query and Scan share: the start-key check, the index check and the page answer.

import {
  invalid,
  itemToWire,
  ok,
  pageReadCapacityUnits,
  startKeyMessage,
  validateKey,
  type Item,
  type Result,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type { PageOutcome, TableInfo } from '../backend.js';
import { capacityFor, project, withCapacity, type ResponseBody } from './shared.js';

/**
 * Checks IndexName and ExclusiveStartKey against the table. Tessera has no secondary indexes
 * yet, so every IndexName gets DynamoDB's answer for an index the table does not have.
 */
export function checkPageRequest(validated: ValidatedRequest, table: TableInfo): Result<null> {
  const indexName = validated.data['IndexName'];
  if (typeof indexName === 'string') {
    return invalid(`The table does not have the specified index: ${indexName}`);
  }
  const startKey = validated.exclusiveStartKey;
  if (startKey !== undefined) {
    const checked = validateKey(startKey, table.keySchema);
    if (!checked.ok) return invalid(startKeyMessage(checked.error.message));
  }
  return ok(null);
}

/** Shapes a page into DynamoDB's Query/Scan answer. */
export function pageResponse(validated: ValidatedRequest, page: PageOutcome): ResponseBody {
  const { data, projection } = validated;
  const count = data['Select'] === 'COUNT';
  const body: ResponseBody = count
    ? {}
    : { Items: page.items.map((item: Item) => itemToWire(project(item, projection))) };
  body['Count'] = page.items.length;
  body['ScannedCount'] = page.scannedCount;
  if (page.lastEvaluatedKey !== undefined) {
    body['LastEvaluatedKey'] = itemToWire(page.lastEvaluatedKey);
  }
  const units = pageReadCapacityUnits(page.readSizeBytes, data['ConsistentRead'] === true);
  const tableName = data['TableName'] as string;
  return withCapacity(body, capacityFor(tableName, units, 'read', data['ReturnConsumedCapacity']));
}
