// What a replicated log entry of a partition carries. The log carries the client's REQUEST
// (DynamoDB JSON), not the mutations: see commands/index.ts for why. One exception: a blind
// batch (BatchWriteItem's puts and deletes, no capacity asked) does not depend on the state it
// is applied to, so its mutations are the same on every replica whenever they apply; the leader
// computes them once and the entry carries them in a compact binary form, sparing every
// follower the validation and item encoding. A split is a command of its own so that every
// replica turns one partition into two at the same log position.
import type { WriteOperation } from '../commands/index.js';

/** A client write, evaluated at apply time on every replica. */
export interface WriteCommand {
  readonly kind: 'write';
  readonly operation: WriteOperation;
  /** The request's DynamoDB JSON. */
  readonly request: unknown;
}

/**
 * Up to 25 puts and deletes of one partition (BatchWriteItem's JSON, one table), evaluated at
 * apply time as ONE unit on every replica: one entry, one engine batch, one answer.
 */
export interface BatchWriteCommand {
  readonly kind: 'batch-write';
  /** The request's DynamoDB JSON (BatchWriteItem's shape). */
  readonly request: unknown;
}

/**
 * A blind batch as storage mutations, computed by the leader from a validated BatchWrite: each
 * write's storage key and encoded item (`value` undefined for a delete), in request order. At
 * apply every key must still lie in the partition (a split may have moved it): else the whole
 * entry is WrongPartition, as the request form would be.
 */
export interface BlindBatchCommand {
  readonly kind: 'blind-batch';
  readonly writes: readonly BlindWrite[];
}

/** One write of a blind batch. */
export interface BlindWrite {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

/**
 * Split the partition at `splitHash` (32 hex digits): this group keeps [start, split), a new
 * group `newPartitionId` with the same members takes [split, end); both get `epoch`.
 */
export interface SplitCommand {
  readonly kind: 'split';
  readonly splitHash: string;
  readonly newPartitionId: string;
  readonly epoch: number;
}

/** Member addresses, replicated so that any future leader can reach every member. */
export interface AddressesCommand {
  readonly kind: 'addresses';
  readonly addresses: Readonly<Record<string, string>>;
}

/** One replicated command. */
export type ReplicatedCommand =
  WriteCommand | BatchWriteCommand | BlindBatchCommand | SplitCommand | AddressesCommand;

/** The commands the apply queue evaluates (client writes). */
export type ClientWriteCommand = WriteCommand | BatchWriteCommand | BlindBatchCommand;

/** The first byte of a binary blind batch (JSON commands start with `{`). */
const blindBatchTag = 0x01;
/** Writes a blind batch may hold (BatchWriteItem's 25, with room). */
const blindWritesMax = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const writeOperations: ReadonlySet<string> = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/**
 * Encodes a command as entry data: JSON (small, readable in a log dump, versioned by `kind`),
 * except a blind batch, which is binary (its payload is bytes: keys and encoded items).
 */
export function encodeCommand(command: ReplicatedCommand): Uint8Array {
  if (command.kind === 'blind-batch') return encodeBlindBatch(command);
  return encoder.encode(JSON.stringify(command));
}

/** tag, count, then per write: 0 put / 1 delete, key length, key, [value length, value]. */
function encodeBlindBatch(command: BlindBatchCommand): Uint8Array {
  let size = 1 + 5;
  for (const write of command.writes)
    size += 1 + 5 + write.key.length + 5 + (write.value?.length ?? 0);
  const bytes = new Uint8Array(size);
  let at = 0;
  const varint = (value: number): void => {
    let rest = value;
    while (rest >= 0x80) {
      bytes[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    bytes[at++] = rest;
  };
  const raw = (value: Uint8Array): void => {
    varint(value.length);
    bytes.set(value, at);
    at += value.length;
  };
  bytes[at++] = blindBatchTag;
  varint(command.writes.length);
  for (const write of command.writes) {
    bytes[at++] = write.value === undefined ? 1 : 0;
    raw(write.key);
    if (write.value !== undefined) raw(write.value);
  }
  return bytes.subarray(0, at);
}

/** Decodes {@link encodeBlindBatch}'s bytes; undefined when they are malformed. */
function decodeBlindBatch(data: Uint8Array): BlindBatchCommand | undefined {
  let at = 1;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35 && at < data.length; shift += 7) {
      const byte = data[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  const raw = (): Uint8Array | undefined => {
    const length = varint();
    if (length === undefined || at + length > data.length) return undefined;
    const value = data.subarray(at, at + length);
    at += length;
    return value;
  };
  const count = varint();
  if (count === undefined || count > blindWritesMax) return undefined;
  const writes: BlindWrite[] = [];
  for (let i = 0; i < count; i++) {
    const op = data[at++];
    const key = raw();
    if ((op !== 0 && op !== 1) || key === undefined) return undefined;
    if (op === 1) {
      writes.push({ key, value: undefined });
      continue;
    }
    const value = raw();
    if (value === undefined) return undefined;
    writes.push({ key, value });
  }
  return at === data.length ? { kind: 'blind-batch', writes } : undefined;
}

/**
 * Decodes entry data. An entry this code cannot read is a programmer error (a newer node wrote
 * it, or the log is corrupt past its checksums): the caller stops the replica.
 */
export function decodeCommand(data: Uint8Array): ReplicatedCommand | undefined {
  if (data[0] === blindBatchTag) return decodeBlindBatch(data);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (record['kind'] === 'write' && writeOperations.has(record['operation'] as string)) {
    return parsed as WriteCommand;
  }
  if (record['kind'] === 'batch-write' && 'request' in record) return parsed as BatchWriteCommand;
  if (
    record['kind'] === 'split' &&
    typeof record['splitHash'] === 'string' &&
    typeof record['newPartitionId'] === 'string' &&
    typeof record['epoch'] === 'number'
  ) {
    return parsed as SplitCommand;
  }
  if (record['kind'] === 'addresses' && typeof record['addresses'] === 'object') {
    return parsed as AddressesCommand;
  }
  return undefined;
}
