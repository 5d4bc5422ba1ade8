// Scan: the items of the partition whose partition-key hash lies in the requested hash range
// (a parallel-scan segment mapped onto hashes by the router), in key order, with Query's paging.
import type { ValidatedRequest } from '../../../lib/dynamo/index.js';
import { compareBytes } from '../engine/bytes.js';
import type { ReadView } from '../engine/engine.js';
import { itemKey, partitionRange } from '../engine/storage-keys.js';
import { readPage, resumeAfter } from './page.js';
import {
  hashOfPartitionKey,
  outcomeError,
  refuseIndex,
  type CommandOutcome,
  type PageResponse,
  type PartitionSpec,
} from './types.js';
import { encodeCompositeKey } from '../../../lib/dynamo/index.js';

/** A hash range; `end` undefined is the end of the hash space. */
export interface HashBounds {
  readonly start: Uint8Array;
  readonly end: Uint8Array | undefined;
}

function maxStart(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) >= 0 ? a : b;
}

function minEnd(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareBytes(a, b) <= 0 ? a : b;
}

/** Evaluates a validated Scan of `bounds ∩ partition` against `view`. */
export async function evaluateScan(
  view: ReadView,
  spec: PartitionSpec,
  request: ValidatedRequest,
  bounds: HashBounds,
  pageBytesMax?: number,
): Promise<CommandOutcome<PageResponse>> {
  const indexRefused = refuseIndex(request.data);
  if (indexRefused !== undefined) return outcomeError(indexRefused);
  const start = maxStart(spec.hashStart, bounds.start);
  const end = minEnd(spec.hashEnd, bounds.end);
  if (end !== undefined && compareBytes(start, end) >= 0) {
    return { kind: 'ok', value: { items: [], count: 0, scannedCount: 0 } };
  }
  const range = partitionRange(spec.tableId, start, end);
  let startKey: Uint8Array | undefined;
  const exclusive = request.exclusiveStartKey;
  const partition = exclusive?.get(spec.schema.partitionKey.name);
  if (exclusive !== undefined && partition !== undefined) {
    // Not checked against the range: a key from another segment simply resumes past it.
    const sortName = spec.schema.sortKey?.name;
    const sort = sortName === undefined ? undefined : exclusive.get(sortName);
    startKey = itemKey(
      spec.tableId,
      hashOfPartitionKey(partition),
      encodeCompositeKey(partition, sort),
    );
  }
  const resumed = resumeAfter({ gte: range.start, lt: range.end }, startKey);
  return readPage(view, spec, resumed, request, pageBytesMax);
}
