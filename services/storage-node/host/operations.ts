// Item operations through the host: route to the replica, check the request before it enters
// the log (a malformed request or a key outside the range is answered without writing anything),
// propose writes and wait for their application, gate reads by consistency.
import {
  encodeItem,
  extractKey,
  validateItemKeys,
  validateKey,
  type Item,
} from '../../../lib/dynamo/index.js';
import {
  batchNeedsOldItems,
  batchStorageKeys,
  checkBatchRequestBytes,
  storageKeyOf,
  validateBatchWrite,
  validateOperation,
  type BatchWriteResponse,
  type CommandOutcome,
  type PartitionSpec,
  type ReadOperation,
  type WriteOperation,
  type WriteResponse,
} from '../commands/index.js';
import type { ReadView } from '../engine/engine.js';
import type { StorageHost } from './host.js';
import { encodeCommand } from './entry-codec.js';
import { specOf } from './partition-meta.js';
import { routed, type HostAnswer, type PartitionAddress } from './routing.js';
import type { BatchWriteApplied, WriteApplied } from './state-machine.js';

/** Largest single-write entry (the request's JSON and its envelope) accepted into the log. */
export const requestBytesMax = 1024 * 1024;
/** Largest batch (its JSON text) accepted into the log: half a log record, 8 MiB. */
export const batchEntryBytesMax = 8 * 1024 * 1024;

function outcomeToAnswer<T>(
  host: StorageHost,
  partitionId: string,
  outcome: CommandOutcome<T>,
): HostAnswer<T> {
  if (outcome.kind === 'ok') return outcome;
  if (outcome.kind === 'error') return outcome;
  const replica = host.replica(partitionId);
  if (replica === undefined) return routed({ kind: 'unavailable', reason: 'replica removed' });
  return routed(host.wrongPartition(replica));
}

/** The key attributes a write addresses, for the range check before proposing. */
function writeKey(
  operation: WriteOperation,
  item: Item | undefined,
  key: Item | undefined,
  spec: PartitionSpec,
) {
  if (operation === 'PutItem') {
    if (item === undefined) return undefined;
    const checked = validateItemKeys(item, spec.schema);
    return checked.ok ? { ok: true as const, key: extractKey(item, spec.schema) } : checked;
  }
  if (key === undefined) return undefined;
  const checked = validateKey(key, spec.schema);
  return checked.ok ? { ok: true as const, key } : checked;
}

/** Executes a write: checks, proposes, and answers once the leader applied it. */
export async function executeWrite(
  host: StorageHost,
  address: PartitionAddress,
  operation: WriteOperation,
  request: unknown,
): Promise<HostAnswer<WriteResponse>> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  const replica = resolved.value;
  const validated = validateOperation(operation, request);
  if (!validated.ok) return { kind: 'error', error: validated.error };
  const spec = specOf(replica.meta);
  const key = writeKey(operation, validated.value.item, validated.value.key, spec);
  if (key === undefined) throw new Error(`${operation}: validated request without a key`);
  if (!key.ok) return { kind: 'error', error: key.error };
  if (storageKeyOf(spec, key.key) === undefined) return routed(host.wrongPartition(replica));
  // Encoded once: the entry's bytes (the request plus a few bytes of envelope) are what the
  // bound is about.
  const data = encodeCommand({ kind: 'write', operation, request });
  if (data.length > requestBytesMax)
    return routed({ kind: 'unavailable', reason: 'request larger than the log accepts' });
  const answer = await replica.propose(data);
  if (answer.kind !== 'done') return host.refusal(answer);
  const applied = answer.value as WriteApplied | null;
  if (applied === null) throw new Error('write entry applied as a non-write');
  return outcomeToAnswer(host, address.partitionId, applied);
}

/**
 * Executes a batch of puts and deletes of one partition as ONE replicated command: checks the
 * whole batch (DynamoDB's limits, every key in this partition) before it enters the log, so
 * bad input writes nothing; answers once the leader applied the batch.
 */
export async function executeBatchWrite(
  host: StorageHost,
  address: PartitionAddress,
  request: unknown,
): Promise<HostAnswer<BatchWriteResponse>> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  const replica = resolved.value;
  const meta = replica.meta;
  const validated = validateBatchWrite(request, meta.tableName, meta.schema);
  if (!validated.ok) return { kind: 'error', error: validated.error };
  const keys = batchStorageKeys(specOf(meta), validated.value);
  if (keys === undefined) return routed(host.wrongPartition(replica));
  // Encoded once: the entry's bytes are what the size bounds are about. A blind batch (no
  // capacity asked: nothing depends on the items it replaces) goes as its mutations.
  const data = encodeCommand(
    batchNeedsOldItems(validated.value)
      ? { kind: 'batch-write', request }
      : {
          kind: 'blind-batch',
          writes: validated.value.actions.map((action, i) => ({
            key: keys[i]!,
            value: action.kind === 'put' ? encodeItem(action.item) : undefined,
          })),
        },
  );
  const sized = checkBatchRequestBytes(data.length);
  if (!sized.ok) return { kind: 'error', error: sized.error };
  // The log takes records up to 16 MiB; a batch that large is valid DynamoDB but is refused
  // here (retryable): the caller may split it into smaller batches.
  if (data.length > batchEntryBytesMax)
    return routed({ kind: 'unavailable', reason: 'batch larger than the log accepts' });
  const answer = await replica.propose(data);
  if (answer.kind !== 'done') return host.refusal(answer);
  const applied = answer.value as BatchWriteApplied | null;
  if (applied === null) throw new Error('batch entry applied as a non-write');
  return outcomeToAnswer(host, address.partitionId, applied);
}

/** Executes a read on this replica once its consistency allows. */
export async function executeRead<T>(
  host: StorageHost,
  address: PartitionAddress,
  operation: ReadOperation,
  request: unknown,
  evaluate: (
    view: ReadView,
    spec: PartitionSpec,
    validated: NonNullable<ReturnType<typeof validateOperation> & { ok: true }>['value'],
  ) => Promise<CommandOutcome<T>>,
): Promise<HostAnswer<T>> {
  const resolved = host.resolve(address);
  if (resolved.kind !== 'ok') return resolved;
  const replica = resolved.value;
  const validated = validateOperation(operation, request);
  if (!validated.ok) return { kind: 'error', error: validated.error };
  const consistent = validated.value.data['ConsistentRead'] === true;
  const barrier = await replica.readBarrier(consistent);
  if (barrier.kind !== 'done') return host.refusal(barrier);
  const snapshot = host.engineSnapshot();
  if (!snapshot.ok) return routed({ kind: 'unavailable', reason: snapshot.error.message });
  try {
    const outcome = await evaluate(snapshot.value, specOf(replica.meta), validated.value);
    return outcomeToAnswer(host, address.partitionId, outcome);
  } finally {
    await snapshot.value.release();
  }
}
