// A partition's state machine on the engine: applies committed entries (each command's
// mutations plus the applied index and, for a split, both partitions' metadata, in ONE batch),
// and builds / installs snapshot images of the partition's key range.
import type { Result, ValidatedRequest } from '../../../lib/dynamo/index.js';
import {
  validateBatchWrite,
  validateOperation,
  batchNeedsOldItems,
  batchStorageKeys,
  evaluateBatchWrite,
  evaluateValidatedWrite,
  specRange,
  writeReadKey,
  type BatchWriteResponse,
  type CommandOutcome,
  type PartitionSpec,
  type ValidatedBatchWrite,
  type WriteOperation,
  type WriteResponse,
} from '../commands/index.js';
import type { Engine, EngineResult, Mutation, ReadView } from '../engine/engine.js';
import { engineOk } from '../engine/engine.js';
import { appliedIndexKey, partitionRange } from '../engine/storage-keys.js';
import type { BlindWrite, ClientWriteCommand, SplitCommand } from './entry-codec.js';
import {
  decodeIndex,
  decodeMeta,
  encodeIndex,
  encodeMeta,
  hashHex,
  metaKey,
  parseHashHex,
  SPLIT_CHILDREN_KEPT,
  type PartitionMeta,
  type SplitChild,
} from './partition-meta.js';
import { compareBytes } from '../engine/bytes.js';

/** A result with a reason on failure (an engine failure stops the replica). */
export type ApplyResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What applying a write produced. */
export type WriteApplied = CommandOutcome<WriteResponse>;

/** What applying a batch write produced. */
export type BatchWriteApplied = CommandOutcome<BatchWriteResponse>;

/** A committed write entry with its request validated (once, before it is staged). */
export type ValidatedWrite =
  | {
      readonly index: number;
      readonly operation: WriteOperation;
      readonly validated: Result<ValidatedRequest>;
    }
  | {
      readonly index: number;
      readonly operation: 'BatchWrite';
      readonly validated: Result<ValidatedBatchWrite>;
    }
  | {
      readonly index: number;
      /** A blind batch's mutations, computed by the leader (nothing to validate or read). */
      readonly operation: 'BlindBatch';
      readonly writes: readonly BlindWrite[];
    };

/**
 * Validates a committed client write for the partition described by `meta` (pure, so every
 * replica gets the same answer: a batch is checked against the partition's key schema).
 */
export function validateWriteCommand(
  index: number,
  command: ClientWriteCommand,
  meta: PartitionMeta,
): ValidatedWrite {
  if (command.kind === 'write')
    return {
      index,
      operation: command.operation,
      validated: validateOperation(command.operation, command.request),
    };
  if (command.kind === 'blind-batch')
    return { index, operation: 'BlindBatch', writes: command.writes };
  return {
    index,
    operation: 'BatchWrite',
    validated: validateBatchWrite(command.request, meta.tableName, meta.schema),
  };
}

/** The storage keys a write will read (for the batch's one `getMany`). */
function readKeysOf(spec: PartitionSpec, write: ValidatedWrite): readonly Uint8Array[] {
  if (write.operation === 'BlindBatch') return [];
  if (write.operation !== 'BatchWrite') {
    const key = writeReadKey(spec, write.operation, write.validated);
    return key === undefined ? [] : [key];
  }
  if (!write.validated.ok || !batchNeedsOldItems(write.validated.value)) return [];
  return batchStorageKeys(spec, write.validated.value) ?? [];
}

/** Evaluates one staged write (a single write or a whole batch) against `view`. */
async function evaluateStaged(view: ReadView, spec: PartitionSpec, write: ValidatedWrite) {
  if (write.operation === 'BlindBatch') return applyBlindBatch(spec, write.writes);
  if (write.operation !== 'BatchWrite')
    return evaluateValidatedWrite(view, spec, write.operation, write.validated);
  if (!write.validated.ok)
    return { mutations: [], outcome: { kind: 'error' as const, error: write.validated.error } };
  return evaluateBatchWrite(view, spec, write.validated.value);
}

/**
 * A blind batch's mutations as they are: every key must still lie in the partition (a split
 * between proposal and apply moves some away: then the whole entry is WrongPartition, nothing
 * written, as the request form would answer).
 */
function applyBlindBatch(spec: PartitionSpec, writes: readonly BlindWrite[]) {
  const range = partitionRange(spec.tableId, spec.hashStart, spec.hashEnd);
  const inside = writes.every(
    ({ key }) => compareBytes(key, range.start) >= 0 && compareBytes(key, range.end) < 0,
  );
  if (!inside) return { mutations: [], outcome: { kind: 'wrong-partition' as const } };
  const mutations: Mutation[] = writes.map(({ key, value }) =>
    value === undefined ? { kind: 'delete', key } : { kind: 'put', key, value },
  );
  return {
    mutations,
    outcome: { kind: 'ok' as const, value: { results: writes.map(() => ({})) } },
  };
}

/** Outcome of applying a split on this replica. */
export type SplitApplied =
  | { readonly kind: 'split'; readonly child: PartitionMeta }
  | { readonly kind: 'refused'; readonly reason: string };

/** Snapshot images larger than this are refused (they are built in memory). */
export const snapshotBytesMax = 512 * 1024 * 1024;
const scanPageBytes = 4 * 1024 * 1024;

/** The state machine of one partition replica. */
export class PartitionStateMachine {
  /** The index whose effects the engine holds (entries up to it are skipped on replay). */
  engineApplied: number;
  private readonly staged: StagedWrites;
  private stagedIndex = 0;

  constructor(
    private readonly engine: Engine,
    public meta: PartitionMeta,
    engineApplied: number,
  ) {
    this.engineApplied = engineApplied;
    this.staged = new StagedWrites(engine);
  }

  /**
   * Evaluates committed writes in log order against the engine plus the writes staged before
   * each, and stages their mutations; {@link flushStaged} writes them all in one batch. The
   * old items they read come from ONE `getMany` (every read is a hop to the libuv pool and
   * back); one engine write per batch instead of one per entry keeps the apply loop short.
   */
  async stageWrites(
    writes: readonly ValidatedWrite[],
  ): Promise<(WriteApplied | BatchWriteApplied)[]> {
    const spec = this.specFields();
    const keys: Uint8Array[] = [];
    for (const write of writes) keys.push(...readKeysOf(spec, write));
    // A failed batch read only loses the prefetch: each command then reads (and reports) alone.
    if (keys.length > 0) this.staged.prefetch(keys, await this.engine.getMany(keys));
    const outcomes: (WriteApplied | BatchWriteApplied)[] = [];
    for (const write of writes) {
      const evaluated = await evaluateStaged(this.staged.view, spec, write);
      this.staged.add(evaluated.mutations);
      this.stagedIndex = write.index;
      outcomes.push(evaluated.outcome);
    }
    return outcomes;
  }

  /** Writes every staged mutation with the applied index of the last staged entry. */
  async flushStaged(): Promise<ApplyResult<void>> {
    if (this.stagedIndex === 0) return { ok: true, value: undefined };
    const index = this.stagedIndex;
    const mutations = this.staged.take();
    this.stagedIndex = 0;
    return this.commit(mutations, index);
  }

  /** Records that `index` was applied with no effect on items (empty or membership entries). */
  async applyNothing(index: number): Promise<ApplyResult<void>> {
    return this.commit([], index);
  }

  /** Records new member addresses at `index`. */
  async applyAddresses(
    index: number,
    addresses: Record<string, string>,
  ): Promise<ApplyResult<void>> {
    this.meta = { ...this.meta, addresses: { ...this.meta.addresses, ...addresses } };
    return this.commit([], index);
  }

  /**
   * Splits at `index`: this partition keeps [start, split), the child (`childGroupNumber`)
   * takes [split, end); metadata of both and this group's applied index in one batch.
   */
  async applySplit(
    index: number,
    command: SplitCommand,
    childGroupNumber: number,
    voters: readonly string[],
  ): Promise<ApplyResult<SplitApplied>> {
    const split = parseHashHex(command.splitHash);
    const inside =
      split !== null &&
      split !== undefined &&
      compareBytes(split, this.meta.hashStart) > 0 &&
      (this.meta.hashEnd === undefined || compareBytes(split, this.meta.hashEnd) < 0);
    if (!inside || command.epoch <= this.meta.epoch) {
      const applied = await this.commit([], index);
      if (!applied.ok) return applied;
      return {
        ok: true,
        value: { kind: 'refused', reason: 'split point outside the range or stale epoch' },
      };
    }
    const child: PartitionMeta = {
      ...this.meta,
      partitionId: command.newPartitionId,
      groupNumber: childGroupNumber,
      hashStart: split,
      epoch: command.epoch,
      initialVoters: [...voters],
      children: [],
    };
    const record: SplitChild = {
      partitionId: command.newPartitionId,
      hashStartHex: command.splitHash,
      hashEndHex: hashHex(this.meta.hashEnd),
      epoch: command.epoch,
      voters: [...voters],
    };
    const children = [...(this.meta.children ?? []), record].slice(-SPLIT_CHILDREN_KEPT);
    const parent: PartitionMeta = {
      ...this.meta,
      hashEnd: split,
      epoch: command.epoch,
      children,
    };
    this.meta = parent;
    const written = await this.commit(
      [
        { kind: 'put', key: metaKey(child.groupNumber), value: encodeMeta(child) },
        { kind: 'put', key: appliedIndexKey(child.groupNumber), value: encodeIndex(1) },
      ],
      index,
    );
    return written.ok ? { ok: true, value: { kind: 'split', child } } : written;
  }

  private specFields(): PartitionSpec {
    return {
      tableId: this.meta.tableId,
      tableName: this.meta.tableName,
      schema: this.meta.schema,
      hashStart: this.meta.hashStart,
      hashEnd: this.meta.hashEnd,
    };
  }

  /** One atomic batch: the mutations, this group's metadata and its applied index. */
  private async commit(mutations: readonly Mutation[], index: number): Promise<ApplyResult<void>> {
    const batch: Mutation[] = [
      ...mutations,
      { kind: 'put', key: metaKey(this.meta.groupNumber), value: encodeMeta(this.meta) },
      { kind: 'put', key: appliedIndexKey(this.meta.groupNumber), value: encodeIndex(index) },
    ];
    const written = await this.engine.write(batch);
    if (!written.ok) return { ok: false, reason: `engine write failed: ${written.error.message}` };
    this.engineApplied = Math.max(this.engineApplied, index);
    return { ok: true, value: undefined };
  }

  /**
   * An image of the partition: applied index, metadata and every key-value of the range, from
   * one engine snapshot so the three agree.
   */
  async buildSnapshot(): Promise<ApplyResult<Uint8Array>> {
    const taken = this.engine.snapshot();
    if (!taken.ok) return { ok: false, reason: taken.error.message };
    const view = taken.value;
    try {
      const applied = await view.get(appliedIndexKey(this.meta.groupNumber));
      const metaBytes = await view.get(metaKey(this.meta.groupNumber));
      if (!applied.ok || !metaBytes.ok || metaBytes.value === undefined)
        return { ok: false, reason: 'cannot read partition metadata' };
      const parts: Uint8Array[] = [
        frame(encodeIndex(decodeIndex(applied.value))),
        frame(metaBytes.value),
      ];
      let total = 0;
      const range = specRange(this.specFields());
      let cursor: { gte?: Uint8Array; gt?: Uint8Array; lt: Uint8Array } = {
        gte: range.start,
        lt: range.end,
      };
      for (;;) {
        const page = await view.scan(cursor, { itemsMax: 10_000, bytesMax: scanPageBytes });
        if (!page.ok) return { ok: false, reason: page.error.message };
        for (const entry of page.value.entries) {
          parts.push(frame(entry.key), frame(entry.value));
          total += entry.key.length + entry.value.length + 8;
        }
        if (total > snapshotBytesMax)
          return { ok: false, reason: 'partition too large for a snapshot' };
        const last = page.value.entries[page.value.entries.length - 1];
        if (!page.value.truncated || last === undefined) break;
        cursor = { gt: last.key, lt: range.end };
      }
      return { ok: true, value: Buffer.concat(parts) };
    } finally {
      await view.release();
    }
  }

  /**
   * Replaces the partition's state with an image from {@link buildSnapshot}. Answers the split
   * children whose ranges the image took away from this replica (splits it learns of only now):
   * the host must start them, empty, to be filled by their own groups' snapshots.
   */
  async installSnapshot(image: Uint8Array): Promise<ApplyResult<readonly SplitChild[]>> {
    const fields = readFrames(image);
    if (fields === undefined || fields.length < 2 || fields.length % 2 !== 0)
      return { ok: false, reason: 'malformed snapshot image' };
    const applied = decodeIndex(fields[0]);
    const incoming = decodeMeta(fields[1]!);
    const meta: PartitionMeta = {
      ...incoming,
      groupNumber: this.meta.groupNumber,
      addresses: { ...this.meta.addresses, ...incoming.addresses },
    };
    const old = partitionRange(this.meta.tableId, this.meta.hashStart, this.meta.hashEnd);
    const missed = childrenLeftBehind(this.meta, meta);
    const batch: Mutation[] = [{ kind: 'deleteRange', start: old.start, end: old.end }];
    for (let i = 2; i < fields.length; i += 2) {
      batch.push({ kind: 'put', key: fields[i]!, value: fields[i + 1]! });
    }
    this.meta = meta;
    const written = await this.commit(batch, applied);
    if (!written.ok) return written;
    this.engineApplied = applied;
    return { ok: true, value: missed };
  }

  /** Makes every engine write so far durable (RocksDB's memtable flush). */
  async flush(): Promise<ApplyResult<void>> {
    const flushed = await this.engine.flush();
    return flushed.ok
      ? { ok: true, value: undefined }
      : { ok: false, reason: flushed.error.message };
  }

  /** Deletes every item, the metadata and the applied index of this replica. */
  async destroy(): Promise<ApplyResult<void>> {
    const range = specRange(this.specFields());
    const written = await this.engine.write([
      { kind: 'deleteRange', start: range.start, end: range.end },
      { kind: 'delete', key: metaKey(this.meta.groupNumber) },
      { kind: 'delete', key: appliedIndexKey(this.meta.groupNumber) },
    ]);
    return written.ok
      ? { ok: true, value: undefined }
      : { ok: false, reason: written.error.message };
  }
}

function frame(bytes: Uint8Array): Uint8Array {
  const framed = new Uint8Array(4 + bytes.length);
  new DataView(framed.buffer).setUint32(0, bytes.length);
  framed.set(bytes, 4);
  return framed;
}

function readFrames(bytes: Uint8Array): Uint8Array[] | undefined {
  const fields: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) return undefined;
    const length = view.getUint32(offset);
    if (offset + 4 + length > bytes.length) return undefined;
    fields.push(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return fields;
}

/**
 * Mutations staged for one batch, and a read view that sees them over the items prefetched for
 * the batch, over the engine.
 */
class StagedWrites {
  private mutations: Mutation[] = [];
  /** Latest staged value per key (hex); null for a staged delete. */
  private readonly latest = new Map<string, Uint8Array | null>();
  /** Engine values read ahead for this batch (hex key; undefined: absent). */
  private readonly prefetched = new Map<string, Uint8Array | undefined>();
  readonly view: ReadView;

  constructor(engine: Engine) {
    const { latest, prefetched } = this;
    const read = async (key: Uint8Array): Promise<EngineResult<Uint8Array | undefined>> => {
      const hex = Buffer.from(key).toString('hex');
      const staged = latest.get(hex);
      if (staged !== undefined) return engineOk(staged === null ? undefined : staged);
      if (prefetched.has(hex)) return engineOk(prefetched.get(hex));
      return engine.get(key);
    };
    this.view = {
      get: read,
      async getMany(keys) {
        const values: (Uint8Array | undefined)[] = [];
        for (const key of keys) {
          const value = await read(key);
          if (!value.ok) return value;
          values.push(value.value);
        }
        return engineOk(values);
      },
      // Write commands read single items only; a range read sees the engine alone.
      scan: (range, limits) => engine.scan(range, limits),
    };
  }

  /** Remembers engine values read for this batch (nothing when the read failed). */
  prefetch(keys: readonly Uint8Array[], values: EngineResult<(Uint8Array | undefined)[]>): void {
    if (!values.ok) return;
    keys.forEach((key, i) =>
      this.prefetched.set(Buffer.from(key).toString('hex'), values.value[i]),
    );
  }

  add(mutations: readonly Mutation[]): void {
    for (const mutation of mutations) {
      if (mutation.kind === 'deleteRange')
        throw new Error('state machine: a write staged a range delete');
      this.latest.set(
        Buffer.from(mutation.key).toString('hex'),
        mutation.kind === 'put' ? mutation.value : null,
      );
      this.mutations.push(mutation);
    }
  }

  take(): Mutation[] {
    const mutations = this.mutations;
    this.mutations = [];
    this.latest.clear();
    this.prefetched.clear();
    return mutations;
  }
}

/**
 * The children recorded in `next` (the incoming image's metadata) whose ranges lie in what
 * `previous` held but `next` does not: splits this replica never applied.
 */
export function childrenLeftBehind(previous: PartitionMeta, next: PartitionMeta): SplitChild[] {
  const previousEnd = previous.hashEnd === undefined ? undefined : hashHex(previous.hashEnd);
  const nextEnd = next.hashEnd === undefined ? undefined : hashHex(next.hashEnd);
  // Children were split off the end of the range: the image's range ends earlier than ours.
  if (nextEnd === undefined || nextEnd === previousEnd) return [];
  return (next.children ?? []).filter(
    (child) =>
      child.epoch > previous.epoch &&
      child.hashStartHex >= nextEnd &&
      (previousEnd === undefined || child.hashStartHex < previousEnd),
  );
}
