// Turns a Query's key conditions into one contiguous range of encoded composite keys, so the
// storage node answers a Query with a single bounded iterator: [start, end) in byte order.
// Correct because every encoded component is self-delimiting (no encoding is a proper prefix
// of another), so "the smallest key greater than K" is K followed by 0x00.

import type { AttributeValue } from './attribute-value.js';
import type { KeyCondition } from './expressions/key-condition.js';
import { ByteWriter, writeKeyValue } from './key-encoding.js';

/** A half-open range of encoded composite keys: start ≤ key < end; no end means unbounded. */
export interface KeyRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array | undefined;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

function encode(value: AttributeValue): Uint8Array {
  const writer = new ByteWriter(64);
  writeKeyValue(writer, value);
  return writer.finish();
}

/** The smallest byte string greater than every string that starts with `prefix`. */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array | undefined {
  let last = prefix.length - 1;
  while (last >= 0 && prefix[last] === 0xff) last--;
  if (last < 0) return undefined;
  const successor = prefix.slice(0, last + 1);
  successor[last] = (successor[last] as number) + 1;
  return successor;
}

/** The smallest key greater than `key` (keys are prefix-free). */
function after(key: Uint8Array): Uint8Array {
  return concat(key, Uint8Array.of(0x00));
}

/** The escaped bytes of an S or B prefix, without the terminator. */
function prefixBytes(prefix: AttributeValue): Uint8Array {
  const encoded = encode(prefix);
  return encoded.subarray(0, encoded.length - 2);
}

/**
 * The range of composite keys (partition key, then sort key) that satisfy a sort key condition
 * within one partition key; the whole partition when there is no sort key condition. The
 * condition must already have passed checkKeyConditionsAgainstSchema.
 */
export function sortKeyRange(partitionKey: AttributeValue, condition?: KeyCondition): KeyRange {
  const partition = encode(partitionKey);
  const partitionEnd = prefixSuccessor(partition);
  if (condition === undefined) return { start: partition, end: partitionEnd };
  const [first, second] = condition.values as [AttributeValue, AttributeValue | undefined];
  const key = (value: AttributeValue): Uint8Array => concat(partition, encode(value));
  switch (condition.operator) {
    case 'EQ':
      return { start: key(first), end: after(key(first)) };
    case 'LT':
      return { start: partition, end: key(first) };
    case 'LE':
      return { start: partition, end: after(key(first)) };
    case 'GT':
      return { start: after(key(first)), end: partitionEnd };
    case 'GE':
      return { start: key(first), end: partitionEnd };
    case 'BETWEEN':
      return { start: key(first), end: after(key(second ?? first)) };
    case 'BEGINS_WITH': {
      const start = concat(partition, prefixBytes(first));
      return { start, end: prefixSuccessor(start) ?? partitionEnd };
    }
    default:
      throw new TypeError(`${condition.operator} is not a key condition; validate first`);
  }
}

/** True when `key` lies in `range` (byte order). */
export function inKeyRange(key: Uint8Array, range: KeyRange): boolean {
  return compare(key, range.start) >= 0 && (range.end === undefined || compare(key, range.end) < 0);
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
