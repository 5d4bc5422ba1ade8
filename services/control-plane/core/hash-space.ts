/**
 * The 128-bit hash space a table's partitions cut into ranges.
 *
 * A partition key's bytes are hashed with MD5 (by the data model, `lib/dynamo`); the 16-byte digest
 * is a point of this space. Bounds are written as 32-character lowercase hexadecimal strings,
 * because such strings compare lexicographically exactly as the numbers they spell, survive JSON
 * and protobuf unchanged, and read well in logs and the admin API. The exclusive end of the whole
 * space (2^128) has no 16-byte spelling, so a range whose end is the end of the space has
 * `end: null` — the type forces every comparison to handle it.
 */
import { assert } from './errors.js';

/** A point of the hash space: exactly 32 lowercase hexadecimal characters (16 bytes). */
export type HashHex = string;

/** An exclusive range end: a point, or `null` for the end of the space (2^128). */
export type HashEnd = HashHex | null;

/** Characters in a {@link HashHex}. */
export const HASH_HEX_LENGTH = 32;

/** The first point of the space. */
export const HASH_MIN: HashHex = '0'.repeat(HASH_HEX_LENGTH);

/** The size of the space, 2^128, as a bigint. */
export const HASH_SPACE_SIZE = 1n << 128n;

const hashPattern = /^[0-9a-f]{32}$/;

/** True when `value` is a well-formed {@link HashHex}. */
export function isHashHex(value: unknown): value is HashHex {
  return typeof value === 'string' && hashPattern.test(value);
}

/** The numeric value of a point. */
export function hashToBigInt(hash: HashHex): bigint {
  assert(isHashHex(hash), `not a hash: ${String(hash)}`);
  return BigInt(`0x${hash}`);
}

/** The numeric value of a range end; the end of the space is 2^128. */
export function endToBigInt(end: HashEnd): bigint {
  return end === null ? HASH_SPACE_SIZE : hashToBigInt(end);
}

/** Spells a number in [0, 2^128) as a point. */
export function bigIntToHash(value: bigint): HashHex {
  assert(value >= 0n && value < HASH_SPACE_SIZE, `hash out of range: ${value}`);
  return value.toString(16).padStart(HASH_HEX_LENGTH, '0');
}

/** Spells 16 digest bytes as a point. */
export function bytesToHash(bytes: Uint8Array): HashHex {
  assert(bytes.length === 16, `a hash has 16 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Compares two points as numbers. */
export function compareHash(a: HashHex, b: HashHex): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `hash` lies in [start, end). */
export function hashInRange(hash: HashHex, start: HashHex, end: HashEnd): boolean {
  return hash >= start && (end === null || hash < end);
}

/** A half-open range [start, end) of the hash space. */
export interface HashRange {
  readonly start: HashHex;
  readonly end: HashEnd;
}

/**
 * Cuts the whole space into `count` contiguous ranges of (nearly) equal width, in order. MD5
 * spreads keys uniformly, so equal widths are the best guess before any key has been seen.
 */
export function cutHashSpace(count: number): HashRange[] {
  assert(Number.isInteger(count) && count >= 1, `range count must be a positive integer: ${count}`);
  const ranges: HashRange[] = [];
  for (let index = 0; index < count; index += 1) {
    const start = (HASH_SPACE_SIZE * BigInt(index)) / BigInt(count);
    const end = index === count - 1 ? null : (HASH_SPACE_SIZE * BigInt(index + 1)) / BigInt(count);
    ranges.push({ start: bigIntToHash(start), end: end === null ? null : bigIntToHash(end) });
  }
  return ranges;
}

/** The number of points in a range. */
export function rangeWidth(range: HashRange): bigint {
  return endToBigInt(range.end) - hashToBigInt(range.start);
}
