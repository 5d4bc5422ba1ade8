// Scan: validate (lib/dynamo's table), map a parallel-scan segment onto its hash range, read
// one page, shape the answer.

import {
  invalid,
  ok,
  validateScan,
  type AttributeValue,
  type Result,
} from '../../../lib/dynamo/index.js';
import {
  partitionKeyHash,
  segmentOf,
  segmentRange,
  wholeHashSpace,
} from '../routing/hash-space.js';
import { checkPageRequest, pageResponse } from './page.js';
import { fromBackend, loadTable, type OperationContext, type ResponseBody } from './shared.js';

/** Runs Scan. */
export async function scan(
  request: unknown,
  context: OperationContext,
): Promise<Result<ResponseBody>> {
  const validated = validateScan(request);
  if (!validated.ok) return validated;
  const { data } = validated.value;
  const table = await loadTable(context, data['TableName'] as string);
  if (!table.ok) return table;
  const page = checkPageRequest(validated.value, table.value);
  if (!page.ok) return page;
  // The validator guarantees Segment and TotalSegments come together and 0 <= Segment < Total.
  const segment = data['Segment'];
  const total = data['TotalSegments'];
  const parallel = typeof segment === 'number' && typeof total === 'number';
  const range = parallel ? segmentRange(segment, total) : wholeHashSpace;
  const startKey = validated.value.exclusiveStartKey;
  if (parallel && startKey !== undefined) {
    // A start key from another segment would silently skip or repeat items: DynamoDB refuses
    // it and names the segment it belongs to.
    const partition = startKey.get(table.value.keySchema.partitionKey.name) as AttributeValue;
    const owner = segmentOf(partitionKeyHash(partition), total);
    if (owner !== segment) {
      return invalid(
        `The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: ${total} Segment: ${owner}`,
      );
    }
  }
  const read = fromBackend(await context.backend.data.scan(table.value, validated.value, range));
  if (!read.ok) return read;
  return ok(pageResponse(validated.value, read.value));
}
