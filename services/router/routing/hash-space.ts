// The 128-bit hash space of a table and the hash of a partition key.
//
// A partition key is hashed with MD5 over its order-preserving key encoding
// (`lib/dynamo`'s encodeKeyValue), so the same key hashes the same way on every router and
// storage node. Points are spelled as 32 lowercase hex characters, the same spelling the
// control plane uses: such strings compare lexicographically as the numbers they spell. The
// end of the whole space (2^128) has no 16-byte spelling, so an open end is `null`.

import { createHash } from 'node:crypto';
import { encodeKeyValue, type AttributeValue } from '../../../lib/dynamo/index.js';

/** A point of the hash space: exactly 32 lowercase hexadecimal characters. */
export type HashHex = string;

/** A half-open range [start, end) of the hash space; `end: null` is the end of the space. */
export interface HashRange {
  readonly start: HashHex;
  readonly end: HashHex | null;
}

/** Hex characters in a point. */
export const hashHexLength = 32;
/** The first point of the space. */
export const hashMin: HashHex = '0'.repeat(hashHexLength);
/** The size of the space. */
export const hashSpaceSize = 1n << 128n;
/** The whole space, what a non-parallel Scan covers. */
export const wholeHashSpace: HashRange = { start: hashMin, end: null };

const hashPattern = /^[0-9a-f]{32}$/;

/** True when `value` is a well-formed point. */
export function isHashHex(value: unknown): value is HashHex {
  return typeof value === 'string' && hashPattern.test(value);
}

/** Spells a number in [0, 2^128) as a point. */
export function bigIntToHash(value: bigint): HashHex {
  if (value < 0n || value >= hashSpaceSize) throw new RangeError(`hash out of range: ${value}`);
  return value.toString(16).padStart(hashHexLength, '0');
}

/** Spells 16 bytes (a protobuf `HashRange` bound) as a point; empty bytes mean "no bound". */
export function bytesToHash(bytes: Uint8Array): HashHex | null {
  if (bytes.length === 0) return null;
  if (bytes.length !== 16) throw new RangeError(`a hash has 16 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The MD5 hash of a partition key value, as a point of the space. */
export function partitionKeyHash(value: AttributeValue): HashHex {
  return createHash('md5').update(encodeKeyValue(value)).digest('hex');
}

/** True when `hash` lies in [range.start, range.end). */
export function hashInRange(hash: HashHex, range: HashRange): boolean {
  return hash >= range.start && (range.end === null || hash < range.end);
}

/** The later of two starts. */
function maxStart(a: HashHex, b: HashHex): HashHex {
  return a > b ? a : b;
}

/** The earlier of two ends, where `null` is the end of the space. */
function minEnd(a: HashHex | null, b: HashHex | null): HashHex | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/** The intersection of two ranges, or undefined when it is empty. */
export function intersectRanges(a: HashRange, b: HashRange): HashRange | undefined {
  const start = maxStart(a.start, b.start);
  const end = minEnd(a.end, b.end);
  if (end !== null && end <= start) return undefined;
  return { start, end };
}

/**
 * The hash range of parallel-scan segment `index` of `total`: [index/total, (index+1)/total)
 * of the space. Segments of one scan tile the space exactly, without gaps or overlaps.
 */
export function segmentRange(index: number, total: number): HashRange {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`bad TotalSegments: ${total}`);
  if (!Number.isInteger(index) || index < 0 || index >= total) {
    throw new RangeError(`bad Segment ${index} of ${total}`);
  }
  const start = (hashSpaceSize * BigInt(index)) / BigInt(total);
  const end = index === total - 1 ? null : (hashSpaceSize * BigInt(index + 1)) / BigInt(total);
  return { start: bigIntToHash(start), end: end === null ? null : bigIntToHash(end) };
}

/** The parallel-scan segment (of `total`) whose range ({@link segmentRange}) holds `hash`. */
export function segmentOf(hash: HashHex, total: number): number {
  const point = BigInt(`0x${hash}`);
  const count = BigInt(total);
  // floor(point * N / S) can fall one short of the segment, because segment starts are
  // themselves rounded down: step forward when the next start is already passed.
  const guess = (point * count) / hashSpaceSize;
  const nextStart = (hashSpaceSize * (guess + 1n)) / count;
  return Number(guess + 1n < count && nextStart <= point ? guess + 1n : guess);
}
