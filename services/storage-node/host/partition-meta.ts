// Per-partition metadata kept in the engine under the group-metadata keyspace, written in the
// same batches as the data it describes (range, epoch and applied index are always consistent
// with the items: a crash can never leave a split half done).
import type { KeySchema } from '../../../lib/dynamo/index.js';
import type { PartitionSpec } from '../commands/index.js';
import { appliedIndexKey, groupMetaKeyspace, hashBytes } from '../engine/storage-keys.js';

/** What a node knows about one partition replica it hosts. */
export interface PartitionMeta {
  readonly partitionId: string;
  /** The number of this replica's group in the node's shared log (node-local). */
  readonly groupNumber: number;
  readonly tableId: string;
  readonly tableName: string;
  readonly schema: KeySchema;
  readonly hashStart: Uint8Array;
  readonly hashEnd: Uint8Array | undefined;
  readonly epoch: number;
  /** The founding voters (to re-bootstrap a split child whose log was lost in a crash). */
  readonly initialVoters: readonly string[];
  /** Node id → gRPC address of every member this replica has heard of. */
  readonly addresses: Readonly<Record<string, string>>;
  /**
   * The latest children this partition split off (at most {@link SPLIT_CHILDREN_KEPT}), so a
   * replica that learns of a split only from a snapshot image can still host the child.
   */
  readonly children?: readonly SplitChild[];
}

/** A split this partition made: the child's id, range (hex), epoch and founding voters. */
export interface SplitChild {
  readonly partitionId: string;
  readonly hashStartHex: string;
  /** Empty for the end of the hash space. */
  readonly hashEndHex: string;
  readonly epoch: number;
  readonly voters: readonly string[];
}

/** Splits remembered per partition (a bound on the metadata record). */
export const SPLIT_CHILDREN_KEPT = 16;

/** The spec commands evaluate against. */
export function specOf(meta: PartitionMeta): PartitionSpec {
  return {
    tableId: meta.tableId,
    tableName: meta.tableName,
    schema: meta.schema,
    hashStart: meta.hashStart,
    hashEnd: meta.hashEnd,
  };
}

/** The key of a group's metadata record (next to its applied-index key). */
export function metaKey(groupNumber: number): Uint8Array {
  const key = appliedIndexKey(groupNumber);
  key[key.length - 1] = 0x02;
  return key;
}

/** The range holding every group's metadata and applied index. */
export const groupMetaRange = {
  gte: Uint8Array.of(groupMetaKeyspace),
  lt: Uint8Array.of(groupMetaKeyspace + 1),
};

/** Whether a key in the group-metadata keyspace is a metadata record. */
export function isMetaKey(key: Uint8Array): boolean {
  return key.length === 10 && key[0] === groupMetaKeyspace && key[9] === 0x02;
}

/** Hex of a hash; '' for undefined. */
export function hashHex(hash: Uint8Array | undefined): string {
  return hash === undefined ? '' : Buffer.from(hash).toString('hex');
}

/** A 16-byte hash from 32 hex digits, '' meaning undefined; null when malformed. */
export function parseHashHex(text: string): Uint8Array | undefined | null {
  if (text === '') return undefined;
  if (!/^[0-9a-f]{32}$/.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes metadata as JSON. */
export function encodeMeta(meta: PartitionMeta): Uint8Array {
  return encoder.encode(
    JSON.stringify({ ...meta, hashStart: hashHex(meta.hashStart), hashEnd: hashHex(meta.hashEnd) }),
  );
}

/** Decodes metadata written by {@link encodeMeta}. */
export function decodeMeta(bytes: Uint8Array): PartitionMeta {
  const record = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
  const hashStart = parseHashHex(record['hashStart'] as string);
  const hashEnd = parseHashHex(record['hashEnd'] as string);
  if (hashStart === null || hashStart === undefined || hashEnd === null)
    throw new Error('partition meta: malformed hash range');
  return { ...(record as unknown as PartitionMeta), hashStart, hashEnd };
}

/** Encodes an applied index as 8 bytes. */
export function encodeIndex(index: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(index));
  return bytes;
}

/** Decodes an applied index (0 when absent). */
export function decodeIndex(bytes: Uint8Array | undefined): number {
  if (bytes === undefined || bytes.length !== 8) return 0;
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
}

/** The MD5 hash-space start. */
export const hashSpaceStart = new Uint8Array(hashBytes);
