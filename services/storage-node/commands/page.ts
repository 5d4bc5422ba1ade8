// Reading one Query or Scan page: walk a key range in bounded engine scans, stop at Limit items
// read or once 1 MB of items has been read (DynamoDB's page size, counted BEFORE the filter),
// then filter, project and count. Shared by query.ts and scan.ts.
import {
  consumedCapacity,
  decodeItem,
  evaluateCondition,
  extractKey,
  itemSize,
  pageReadCapacityUnits,
  projectItem,
  type Item,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import type { ReadView, ScanRange } from '../engine/engine.js';
import {
  internalError,
  outcomeError,
  outcomeOk,
  stringMember,
  type CommandOutcome,
  type PageResponse,
  type PartitionSpec,
} from './types.js';

/** DynamoDB stops a Query or Scan page after reading this many bytes of items. */
export const pageBytesMax = 1024 * 1024;
/** Entries fetched from the engine per scan call. */
const chunkItemsMax = 256;
/** Bytes fetched from the engine per scan call. */
const chunkBytesMax = 256 * 1024;

/** What was read for one page, before filtering. */
interface RawPage {
  readonly items: Item[];
  readonly sizeBytes: number;
  /** The key attributes of the last item read, when the page stopped before the range's end. */
  readonly lastEvaluatedKey: Item | undefined;
}

/** Reads items in `range` until the limit, the 1 MB bound or the end of the range. */
async function readRaw(
  view: ReadView,
  spec: PartitionSpec,
  range: ScanRange,
  limit: number,
  bytesMax: number,
): Promise<CommandOutcome<RawPage>> {
  const items: Item[] = [];
  let sizeBytes = 0;
  let cursor: ScanRange = range;
  for (;;) {
    const page = await view.scan(cursor, {
      itemsMax: Math.min(chunkItemsMax, limit - items.length),
      bytesMax: chunkBytesMax,
    });
    if (!page.ok) return outcomeError(internalError(page.error.message));
    const { entries } = page.value;
    for (let i = 0; i < entries.length; i++) {
      const decoded = decodeItem(entries[i]!.value);
      if (!decoded.ok) return outcomeError(decoded.error);
      items.push(decoded.value);
      sizeBytes += itemSize(decoded.value);
      // Stopped by the Limit or the 1 MB bound: the page names where it stopped even when
      // nothing follows, as DynamoDB does (the next page is then empty). A router walking
      // several partitions relies on it to end a page exactly at the Limit.
      if (items.length >= limit || sizeBytes >= bytesMax) {
        return outcomeOk({
          items,
          sizeBytes,
          lastEvaluatedKey: extractKey(decoded.value, spec.schema),
        });
      }
    }
    if (!page.value.truncated || entries.length === 0) {
      return outcomeOk({ items, sizeBytes, lastEvaluatedKey: undefined });
    }
    const last = entries[entries.length - 1]!.key;
    cursor = range.reverse
      ? { ...withoutUpper(range), lt: last }
      : { ...withoutLower(range), gt: last };
  }
}

function withoutLower(range: ScanRange): ScanRange {
  const { gt: _gt, gte: _gte, ...rest } = range;
  return rest;
}

function withoutUpper(range: ScanRange): ScanRange {
  const { lt: _lt, lte: _lte, ...rest } = range;
  return rest;
}

/** Moves the range's start past ExclusiveStartKey's storage key. */
export function resumeAfter(range: ScanRange, startKey: Uint8Array | undefined): ScanRange {
  if (startKey === undefined) return range;
  return range.reverse
    ? { ...withoutUpper(range), lt: startKey }
    : { ...withoutLower(range), gt: startKey };
}

/**
 * Reads one page of `range` and shapes the answer (filter, projection, Select, capacity).
 * `bytesMax` lowers the 1 MB bound for a piece of a page that spans partitions.
 */
export async function readPage(
  view: ReadView,
  spec: PartitionSpec,
  range: ScanRange,
  request: ValidatedRequest,
  bytesMax = pageBytesMax,
): Promise<CommandOutcome<PageResponse>> {
  const limitMember = request.data['Limit'];
  const limit = typeof limitMember === 'number' && limitMember > 0 ? limitMember : Infinity;
  const bound = Math.max(1, Math.min(pageBytesMax, bytesMax));
  const raw = await readRaw(view, spec, range, limit, bound);
  if (raw.kind !== 'ok') return raw;
  const filter = request.filter;
  const matched =
    filter === undefined
      ? raw.value.items
      : raw.value.items.filter((item) => evaluateCondition(filter, item));
  const countOnly = stringMember(request.data, 'Select') === 'COUNT';
  const projection = request.projection;
  const items = countOnly
    ? []
    : projection === undefined
      ? matched
      : matched.map((item) => projectItem(item, projection));
  const consistent = request.data['ConsistentRead'] === true;
  const capacity = consumedCapacity(
    spec.tableName,
    pageReadCapacityUnits(raw.value.sizeBytes, consistent),
    'read',
    stringMember(request.data, 'ReturnConsumedCapacity'),
  );
  return outcomeOk({
    items,
    count: matched.length,
    scannedCount: raw.value.items.length,
    ...(raw.value.lastEvaluatedKey === undefined
      ? {}
      : { lastEvaluatedKey: raw.value.lastEvaluatedKey }),
    ...(capacity === undefined ? {} : { consumedCapacity: capacity }),
  });
}
