// The storage key layout (DESIGN.md, "Data model and placement"):
//
//   item key = 0x10 · table id · MD5(partition key) · composite key
//
// - 0x10 tags the item keyspace; 0x20 tags per-group metadata (the applied index), which lives
//   apart so that scans of items never meet it.
// - The table id is escaped (0x00 → 0x00 0xFF) and terminated by 0x00 0x01, so no table's
//   prefix is a prefix of another's.
// - The 16-byte MD5 of the partition key's order-preserving encoding (the same hash the router
//   and control plane use) comes next, so a partition, a range [hashStart, hashEnd) of the hash
//   space, is one contiguous key range, and a split is a key boundary.
// - The composite key (`lib/dynamo`'s encodeCompositeKey: partition key, then sort key, both
//   order-preserving) ends the key, so items of one partition key sort by sort key.
//
// This module takes encoded pieces (bytes) and does not import `lib/dynamo`.
import { createHash } from 'node:crypto';
import { prefixEnd } from './bytes.js';

/** First byte of every item key. */
export const itemKeyspace = 0x10;
/** First byte of every per-group metadata key. */
export const groupMetaKeyspace = 0x20;
/** Bytes of a partition key hash. */
export const hashBytes = 16;

/** The MD5 of an encoded partition key value (`lib/dynamo` encodeKeyValue). */
export function partitionKeyHash(encodedPartitionKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('md5').update(encodedPartitionKey).digest());
}

/** The self-delimiting encoding of a table id. */
function tableIdBytes(tableId: string): number[] {
  const bytes: number[] = [];
  for (const byte of new TextEncoder().encode(tableId)) {
    bytes.push(byte);
    if (byte === 0) bytes.push(0xff);
  }
  bytes.push(0x00, 0x01);
  return bytes;
}

/** The prefix every item key of `tableId` starts with. */
export function tablePrefix(tableId: string): Uint8Array {
  return Uint8Array.from([itemKeyspace, ...tableIdBytes(tableId)]);
}

function assertHash(hash: Uint8Array): void {
  if (hash.length !== hashBytes)
    throw new RangeError(`a partition key hash has ${hashBytes} bytes, got ${hash.length}`);
}

/** The storage key of one item. */
export function itemKey(tableId: string, hash: Uint8Array, compositeKey: Uint8Array): Uint8Array {
  assertHash(hash);
  const prefix = tablePrefix(tableId);
  const key = new Uint8Array(prefix.length + hashBytes + compositeKey.length);
  key.set(prefix, 0);
  key.set(hash, prefix.length);
  key.set(compositeKey, prefix.length + hashBytes);
  return key;
}

/** A half-open key range `[start, end)`. */
export interface KeyRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

/**
 * The key range of a partition: every item of `tableId` whose partition key hash lies in
 * `[hashStart, hashEnd)`; `hashEnd` undefined is the end of the hash space.
 */
export function partitionRange(
  tableId: string,
  hashStart: Uint8Array,
  hashEnd: Uint8Array | undefined,
): KeyRange {
  assertHash(hashStart);
  const prefix = tablePrefix(tableId);
  const start = new Uint8Array(prefix.length + hashBytes);
  start.set(prefix, 0);
  start.set(hashStart, prefix.length);
  if (hashEnd === undefined) return { start, end: prefixEnd(prefix)! };
  assertHash(hashEnd);
  const end = new Uint8Array(prefix.length + hashBytes);
  end.set(prefix, 0);
  end.set(hashEnd, prefix.length);
  return { start, end };
}

/** The range of every item of a table (for DeleteTable). */
export function tableRange(tableId: string): KeyRange {
  const start = tablePrefix(tableId);
  return { start, end: prefixEnd(start)! };
}

/**
 * The key holding a group's applied index, written in the same batch as the mutations of the
 * entries applied, so that what the engine holds and the index it claims are always consistent.
 */
export function appliedIndexKey(groupId: number): Uint8Array {
  const key = new Uint8Array(10);
  key[0] = groupMetaKeyspace;
  const view = new DataView(key.buffer);
  view.setUint32(1, Math.floor(groupId / 0x1_0000_0000));
  view.setUint32(5, groupId >>> 0);
  key[9] = 0x01;
  return key;
}
