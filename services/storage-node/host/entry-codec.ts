// What a replicated log entry of a partition carries. The log carries the client's REQUEST
// (DynamoDB JSON), not the mutations: see commands/index.ts for why. A split is a command of its
// own so that every replica turns one partition into two at the same log position.
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
export type ReplicatedCommand = WriteCommand | BatchWriteCommand | SplitCommand | AddressesCommand;

/** The commands the apply queue evaluates (client writes). */
export type ClientWriteCommand = WriteCommand | BatchWriteCommand;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const writeOperations: ReadonlySet<string> = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** Encodes a command as entry data (JSON: small, readable in a log dump, versioned by `kind`). */
export function encodeCommand(command: ReplicatedCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

/**
 * Decodes entry data. An entry this code cannot read is a programmer error (a newer node wrote
 * it, or the log is corrupt past its checksums): the caller stops the replica.
 */
export function decodeCommand(data: Uint8Array): ReplicatedCommand | undefined {
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
