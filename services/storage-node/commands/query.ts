// Query: the items of one partition key, in sort-key order (either direction), narrowed by the
// sort key condition as a key range so that only matching items are read.
import {
  checkKeyConditionsAgainstSchema,
  encodeKeyValue,
  type AttributeValue,
  type KeyCondition,
  type ValidatedRequest,
} from '../../../lib/dynamo/index.js';
import { prefixEnd } from '../engine/bytes.js';
import type { ReadView, ScanRange } from '../engine/engine.js';
import { itemKey } from '../engine/storage-keys.js';
import { readPage, resumeAfter } from './page.js';
import {
  hashInRange,
  hashOfPartitionKey,
  outcomeError,
  refuseIndex,
  storageKeyOf,
  type CommandOutcome,
  type PageResponse,
  type PartitionSpec,
} from './types.js';

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const result = new Uint8Array(a.length + b.length);
  result.set(a, 0);
  result.set(b, a.length);
  return result;
}

/** The end of everything that starts with `prefix` (never undefined: keys start with 0x10). */
function endOf(prefix: Uint8Array): Uint8Array {
  const end = prefixEnd(prefix);
  if (end === undefined) throw new Error('query: key prefix of only 0xff bytes');
  return end;
}

/** The key range of one partition key narrowed by a sort key condition. */
export function sortKeyRange(base: Uint8Array, condition: KeyCondition | undefined): ScanRange {
  const all = { gte: base, lt: endOf(base) };
  if (condition === undefined) return all;
  const at = (value: AttributeValue): Uint8Array => concat(base, encodeKeyValue(value));
  const [first, second] = condition.values as [AttributeValue, AttributeValue | undefined];
  switch (condition.operator) {
    case 'EQ':
      return { gte: at(first), lte: at(first) };
    case 'LT':
      return { gte: base, lt: at(first) };
    case 'LE':
      return { gte: base, lte: at(first) };
    case 'GT':
      return { gt: at(first), lt: all.lt };
    case 'GE':
      return { gte: at(first), lt: all.lt };
    case 'BETWEEN':
      return { gte: at(first), lte: at(second ?? first) };
    case 'BEGINS_WITH': {
      // S and B encode as escaped bytes plus a two-byte terminator; escaping keeps prefixes, so
      // every value beginning with `first` encodes with the unterminated bytes as a prefix.
      const encoded = at(first);
      const prefix = encoded.subarray(0, encoded.length - 2);
      return { gte: prefix, lt: endOf(prefix) };
    }
    default:
      throw new Error(`query: operator ${condition.operator} passed the schema checks`);
  }
}

/** Evaluates a validated Query against `view`. */
export async function evaluateQuery(
  view: ReadView,
  spec: PartitionSpec,
  request: ValidatedRequest,
): Promise<CommandOutcome<PageResponse>> {
  const indexRefused = refuseIndex(request.data);
  if (indexRefused !== undefined) return outcomeError(indexRefused);
  if (request.keyConditions === undefined) throw new Error('query: no key conditions');
  const checked = checkKeyConditionsAgainstSchema(request.keyConditions, spec.schema);
  if (!checked.ok) return outcomeError(checked.error);
  const partitionValue = checked.value.get(spec.schema.partitionKey.name)?.values[0];
  if (partitionValue === undefined) throw new Error('query: no partition key condition');
  const hash = hashOfPartitionKey(partitionValue);
  if (!hashInRange(spec, hash)) return { kind: 'wrong-partition' };
  const base = itemKey(spec.tableId, hash, encodeKeyValue(partitionValue));
  const sortName = spec.schema.sortKey?.name;
  const sortCondition = sortName === undefined ? undefined : checked.value.get(sortName);
  const forward = request.data['ScanIndexForward'] !== false;
  const range = { ...sortKeyRange(base, sortCondition), reverse: !forward };
  const startKey =
    request.exclusiveStartKey === undefined
      ? undefined
      : storageKeyOf(spec, request.exclusiveStartKey);
  return readPage(view, spec, resumeAfter(range, startKey), request);
}
