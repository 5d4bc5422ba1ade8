// The node's shared durable Raft log: one append-only sequence of segment files multiplexing
// every group on the node, with group commit. Calls that change a group (`enqueue`, `compact`,
// `createSnapshot`, `removeGroup`) validate, update the in-memory index and queue framed
// records synchronously; `sync()` resolves once one `fdatasync` has covered everything queued
// before it. Every caller waiting at the moment a write starts shares that write's sync.
//
// Segment rollover is decided when records are queued, not when they are written: the
// checkpoint records that start a new segment restate each group's state exactly as of the
// records queued before them, so replay from any segment start is self-contained.
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RecordKind,
  encodeCheckpoint,
  encodeCompact,
  encodeEntries,
  encodeFrame,
  encodeSegmentHeader,
  encodeSnapshot,
  frameHeaderBytes,
  segmentHeaderBytes,
} from './codec.js';
import type { RecordKindNumber } from './codec.js';
import { GroupLog } from './group-log.js';
import type { SegmentInfo } from './replay.js';
import { segmentName } from './segment-files.js';
import type { WalIo } from './segment-files.js';
import { walError, walOk } from './types.js';
import type { GroupId, GroupUpdate, LogSnapshot, WalError, WalResult } from './types.js';

/** Counters for metrics and benchmarks. */
export interface SharedLogStats {
  syncs: number;
  writeBatches: number;
  recordsWritten: number;
  bytesWritten: number;
  segmentsDeleted: number;
  segments: number;
  retainedEntryBytes: number;
}

/** A read-only view of one group's log, for serving the Raft storage interface. */
export type GroupLogView = Pick<
  GroupLog,
  | 'groupId'
  | 'firstIndex'
  | 'lastIndex'
  | 'term'
  | 'slice'
  | 'hardState'
  | 'snapshot'
  | 'baseIndex'
  | 'baseTerm'
  | 'flushedThrough'
>;

/**
 * What a record does to its group's base once it is durable: the new base (entries up to it are
 * no longer needed) or `removed`. The deletion rule only trusts synced bases.
 */
interface BaseEffect {
  readonly groupId: GroupId;
  readonly base: number | 'removed';
}

type QueueItem =
  { readonly frame: Uint8Array; readonly effect?: BaseEffect } | { readonly roll: SegmentInfo };

/** Buffers per writev call, below Linux's IOV_MAX. */
const writevBuffersMax = 512;

/** Resolved limits (see {@link SharedLogOptions}). */
export interface Limits {
  segmentBytesMax: number;
  recordBytesMax: number;
  queueRecordsMax: number;
  queueBytesMax: number;
  groupsMax: number;
  retainedBytesMax: number;
  snapshotPayloadBytesMax: number;
}

/** The shared log. Create it with `openSharedLog` (open-shared-log.ts). */
export class SharedLog {
  private readonly groups: Map<GroupId, GroupLog>;
  private readonly corrupted: Map<GroupId, WalError>;
  private readonly unknownGroupsSuspect: boolean;
  /** Every segment on disk or queued for creation, oldest first; the last one is current. */
  private readonly segments: SegmentInfo[];
  /** Bytes the current segment will hold once everything queued is written. */
  private segmentBytes: number;
  private queue: QueueItem[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private waiters: ((result: WalResult<void>) => void)[] = [];
  private writer: Promise<void> | undefined;
  private inFlight: Promise<WalResult<void>> | undefined;
  /** Segments up to this position in `segments` exist on disk with a durable checkpoint. */
  private durableSegments: number;
  private failure: WalError | undefined;
  private closed = false;
  private retainedBytes = 0;
  private readonly statistics: SharedLogStats;
  /** The segment the writer is appending to (the queue may already hold later ones). */
  private writingSegment: SegmentInfo;
  /** Unknown groups the host removed, which are no longer suspect. */
  private readonly clearedGroups: Set<GroupId>;
  /** Each live group's base as of the records already synced. */
  private readonly syncedBases = new Map<GroupId, number>();

  /** @internal Use {@link openSharedLog}. */
  constructor(
    private readonly directory: string,
    private handle: FileHandle,
    private position: number,
    recovered: {
      groups: Map<GroupId, GroupLog>;
      corrupted: Map<GroupId, WalError>;
      unknownGroupsSuspect: boolean;
      clearedGroups: Set<GroupId>;
      segments: SegmentInfo[];
    },
    private readonly limits: Limits,
    private readonly io: WalIo,
  ) {
    this.groups = recovered.groups;
    this.corrupted = recovered.corrupted;
    this.unknownGroupsSuspect = recovered.unknownGroupsSuspect;
    this.segments = recovered.segments;
    this.segmentBytes = position;
    this.durableSegments = this.segments.length;
    this.writingSegment = this.segments.at(-1)!;
    this.clearedGroups = recovered.clearedGroups;
    for (const group of this.groups.values()) this.syncedBases.set(group.groupId, group.baseIndex);
    for (const group of this.groups.values()) this.retainedBytes += group.entryBytes;
    this.statistics = {
      syncs: 0,
      writeBatches: 0,
      recordsWritten: 0,
      bytesWritten: 0,
      segmentsDeleted: 0,
      segments: this.segments.length,
      retainedEntryBytes: this.retainedBytes,
    };
  }

  /** A copy of the counters. */
  stats(): SharedLogStats {
    return {
      ...this.statistics,
      segments: this.segments.length,
      retainedEntryBytes: this.retainedBytes,
    };
  }

  /** Ids of every group with state in the log (corrupted ones excluded). */
  groupIds(): GroupId[] {
    return [...this.groups.keys()].filter((id) => this.groups.get(id)!.sequence > 0);
  }

  /**
   * The log of one group. A group the log has never seen is created empty. A corrupted group
   * answers `group-corrupted` naming the file and offset, until `removeGroup` clears it.
   */
  group(groupId: GroupId): WalResult<GroupLogView> {
    const found = this.groupForWrite(groupId);
    return found.ok ? walOk(found.value) : found;
  }

  /** Records that the host's engine has flushed group state through `index` (memory only). */
  reportFlushed(groupId: GroupId, index: number): WalResult<void> {
    const found = this.groupForWrite(groupId);
    if (!found.ok) return found;
    if (!Number.isSafeInteger(index) || index < 0)
      return walError('invalid-argument', 'flushed index must be a safe integer');
    found.value.flushedThrough = Math.max(found.value.flushedThrough, index);
    return walOk(undefined);
  }

  /**
   * Validates one group's update, applies it to the in-memory index and queues its records.
   * A malformed update is a typed error with nothing queued or changed. Not durable until a
   * later `sync()` resolves.
   */
  enqueue(groupId: GroupId, update: GroupUpdate): WalResult<void> {
    const found = this.groupForWrite(groupId);
    if (!found.ok) return found;
    const group = found.value;
    const checked = group.checkUpdate(update);
    if (!checked.ok)
      return walError(checked.error.code, `group ${groupId}: ${checked.error.message}`, {
        groupId,
      });
    const snapshot =
      update.snapshot !== undefined && group.isNewSnapshot(update.snapshot)
        ? update.snapshot
        : undefined;
    if (snapshot !== undefined && !this.snapshotFits(snapshot.payload)) {
      return this.snapshotTooLarge(snapshot.payload);
    }
    const bodies: [RecordKindNumber, Uint8Array][] = [];
    if (snapshot !== undefined) bodies.push([RecordKind.snapshotApplied, encodeSnapshot(snapshot)]);
    if (update.entries !== undefined && update.entries.length > 0)
      bodies.push([RecordKind.entries, encodeEntries(update.entries)]);
    if (update.hardState !== undefined)
      bodies.push([RecordKind.hardState, update.hardState.slice()]);
    const addedBytes = (update.entries ?? []).reduce((sum, entry) => sum + entry.data.length, 0);
    const admitted = this.admit(bodies, addedBytes);
    if (!admitted.ok) return admitted;
    for (const [kind, body] of bodies) {
      const base = kind === RecordKind.snapshotApplied ? snapshot!.index : group.baseIndex;
      this.queueRecord(group, kind, body, kind === RecordKind.hardState ? undefined : base);
      const before = group.entryBytes;
      if (kind === RecordKind.snapshotApplied) group.applySnapshot(snapshot!);
      if (kind === RecordKind.entries) group.applyEntries(update.entries!.map(copyEntry));
      if (kind === RecordKind.hardState) group.hardState = body;
      this.retainedBytes += group.entryBytes - before;
      if (kind === RecordKind.entries) this.noteEntries(group, update.entries!.at(-1)!.index);
    }
    return walOk(undefined);
  }

  /** `enqueue` then `sync`: resolves once the update is durable. */
  async write(groupId: GroupId, update: GroupUpdate): Promise<WalResult<void>> {
    const queued = this.enqueue(groupId, update);
    if (!queued.ok) return queued;
    return this.sync();
  }

  /**
   * Records a snapshot the host took of its own state machine at `index` (metadata only; the
   * entries stay until compacted). Returns the snapshot with its term.
   */
  createSnapshot(groupId: GroupId, index: number, payload: Uint8Array): WalResult<LogSnapshot> {
    const found = this.groupForWrite(groupId);
    if (!found.ok) return found;
    const term = found.value.checkCreatedSnapshot(index);
    if (!term.ok) return term;
    if (!(payload instanceof Uint8Array))
      return walError('invalid-argument', 'snapshot payload is not a Uint8Array');
    if (!this.snapshotFits(payload)) return this.snapshotTooLarge(payload);
    const snapshot: LogSnapshot = { index, term: term.value, payload: payload.slice() };
    const body = encodeSnapshot(snapshot);
    const admitted = this.admit([[RecordKind.snapshotCreated, body]], 0);
    if (!admitted.ok) return admitted;
    this.queueRecord(found.value, RecordKind.snapshotCreated, body);
    found.value.applyCreatedSnapshot(snapshot);
    return walOk(snapshot);
  }

  /**
   * Discards the group's entries up to and including `throughIndex`, which must not pass the
   * index reported by `reportFlushed`: the log forgets nothing the engine could still lose.
   */
  compact(groupId: GroupId, throughIndex: number): WalResult<void> {
    const found = this.groupForWrite(groupId);
    if (!found.ok) return found;
    const group = found.value;
    const term = group.checkCompact(throughIndex);
    if (!term.ok) return term;
    if (throughIndex <= group.baseIndex) return walOk(undefined);
    const body = encodeCompact(throughIndex, term.value);
    const admitted = this.admit([[RecordKind.compact, body]], 0);
    if (!admitted.ok) return admitted;
    this.queueRecord(group, RecordKind.compact, body, throughIndex);
    const before = group.entryBytes;
    group.applyCompact(throughIndex, term.value);
    this.retainedBytes += group.entryBytes - before;
    return walOk(undefined);
  }

  /** Forgets a group (its replica left the node, or it was corrupted and will be rebuilt). */
  removeGroup(groupId: GroupId): WalResult<void> {
    const failed = this.refuseWrites();
    if (failed !== undefined) return failed;
    const group = this.groups.get(groupId);
    const admitted = this.admit([[RecordKind.removeGroup, new Uint8Array()]], 0);
    if (!admitted.ok) return admitted;
    if (group !== undefined && group.sequence > 0) {
      this.queueRecord(group, RecordKind.removeGroup, new Uint8Array(), 'removed');
      this.retainedBytes -= group.entryBytes;
    } else if (this.corrupted.has(groupId)) {
      this.queueRecord(new GroupLog(groupId), RecordKind.removeGroup, new Uint8Array());
    } else if (this.unknownGroupsSuspect && !this.clearedGroups.has(groupId)) {
      this.queueRecord(new GroupLog(groupId), RecordKind.removeGroup, new Uint8Array());
    }
    this.clearedGroups.add(groupId);
    this.groups.delete(groupId);
    this.corrupted.delete(groupId);
    return walOk(undefined);
  }

  /** Resolves once everything queued before this call is durable (one shared sync). */
  sync(): Promise<WalResult<void>> {
    if (this.failure !== undefined) return Promise.resolve({ ok: false, error: this.failure });
    if (this.queue.length === 0) return this.inFlight ?? Promise.resolve(walOk(undefined));
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.writer ??= this.runWriter();
    });
  }

  /** Writes out whatever is queued and closes the current segment. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length > 0 && this.failure === undefined) await this.sync();
    this.closed = true;
    await this.writer;
    await this.handle.close();
  }

  /**
   * Snapshot payloads are restated in every segment's checkpoints, so they must stay small:
   * a partition's data travels to the engine directly, never through the log.
   */
  private snapshotFits(payload: Uint8Array): boolean {
    return payload.length <= this.limits.snapshotPayloadBytesMax;
  }

  private snapshotTooLarge(payload: Uint8Array): WalResult<never> {
    return walError(
      'limit-exceeded',
      `a snapshot payload of ${payload.length} bytes exceeds ${this.limits.snapshotPayloadBytesMax}; keep state machine data out of the log`,
    );
  }

  private refuseWrites(): WalResult<never> | undefined {
    if (this.closed) return walError('closed', 'the log is closed');
    if (this.failure !== undefined) return { ok: false, error: this.failure };
    return undefined;
  }

  private groupForWrite(groupId: GroupId): WalResult<GroupLog> {
    const refused = this.refuseWrites();
    if (refused !== undefined) return refused;
    if (!Number.isSafeInteger(groupId) || groupId < 0)
      return walError('invalid-argument', 'group id must be a safe integer');
    const corrupted = this.corrupted.get(groupId);
    if (corrupted !== undefined) return { ok: false, error: corrupted };
    const group = this.groups.get(groupId);
    if (group !== undefined) return walOk(group);
    if (this.unknownGroupsSuspect && !this.clearedGroups.has(groupId)) {
      return walError(
        'group-corrupted',
        `group ${groupId}: unknown to the log, which has an unreadable region in its newest segment`,
        { groupId },
      );
    }
    if (this.groups.size >= this.limits.groupsMax)
      return walError('limit-exceeded', `more than ${this.limits.groupsMax} groups`);
    const created = new GroupLog(groupId);
    this.groups.set(groupId, created);
    return walOk(created);
  }

  /** Checks queue, record and memory limits for records about to be queued. */
  private admit(
    bodies: readonly [RecordKindNumber, Uint8Array][],
    addedEntryBytes: number,
  ): WalResult<void> {
    let bytes = 0;
    for (const [, body] of bodies) {
      if (body.length + frameHeaderBytes > this.limits.recordBytesMax) {
        return walError(
          'limit-exceeded',
          `a record of ${body.length} bytes exceeds ${this.limits.recordBytesMax}`,
        );
      }
      bytes += body.length + frameHeaderBytes;
    }
    if (
      this.queuedRecords + bodies.length > this.limits.queueRecordsMax ||
      this.queuedBytes + bytes > this.limits.queueBytesMax
    ) {
      return walError(
        'limit-exceeded',
        'the log write queue is full; retry after the pending writes are synced',
      );
    }
    if (this.retainedBytes + addedEntryBytes > this.limits.retainedBytesMax) {
      return walError(
        'limit-exceeded',
        `retained entries would exceed ${this.limits.retainedBytesMax} bytes; flush and compact`,
      );
    }
    return walOk(undefined);
  }

  /** Frames one record for `group` (rolling the segment first when it would overflow). */
  private queueRecord(
    group: GroupLog,
    kind: RecordKindNumber,
    body: Uint8Array,
    base?: number | 'removed',
  ): void {
    const frameBytes = frameHeaderBytes + body.length;
    const full = this.segmentBytes + frameBytes > this.limits.segmentBytesMax;
    if (this.rollBeforeNextRecord || (full && this.segmentHasRecords())) this.roll();
    group.sequence++;
    const effect = base === undefined ? undefined : { groupId: group.groupId, base };
    this.push(encodeFrame(kind, group.groupId, group.sequence, body), effect);
  }

  private push(frame: Uint8Array, effect?: BaseEffect): void {
    this.queue.push(effect === undefined ? { frame } : { frame, effect });
    this.queuedRecords++;
    this.queuedBytes += frame.length;
    this.segmentBytes += frame.length;
  }

  private segmentHasRecords(): boolean {
    return this.segmentBytes > this.checkpointEnd;
  }

  /** Where the current segment's checkpoint records end. */
  private checkpointEnd = segmentHeaderBytes;

  /**
   * Set after recovery cut a torn tail or met an unreadable region in the newest segment: its
   * checkpoints may be incomplete, so the next record starts a fresh segment.
   * @internal Set by `openSharedLog`.
   */
  rollBeforeNextRecord = false;

  /** Queues a new segment that starts with a checkpoint of every group. */
  private roll(): void {
    this.rollBeforeNextRecord = false;
    const info: SegmentInfo = {
      sequence: this.segments.at(-1)!.sequence + 1,
      path: join(this.directory, segmentName(this.segments.at(-1)!.sequence + 1)),
      size: 0,
      maxEntryIndex: new Map(),
      validStart: true,
    };
    this.segments.push(info);
    this.queue.push({ roll: info });
    this.segmentBytes = segmentHeaderBytes;
    for (const group of this.groups.values()) {
      if (group.sequence === 0) continue;
      const body = encodeCheckpoint(group.checkpoint());
      this.push(encodeFrame(RecordKind.checkpoint, group.groupId, group.sequence, body));
    }
    this.checkpointEnd = this.segmentBytes;
  }

  private noteEntries(group: GroupLog, lastIndex: number): void {
    const info = this.segments.at(-1)!;
    info.maxEntryIndex.set(
      group.groupId,
      Math.max(info.maxEntryIndex.get(group.groupId) ?? 0, lastIndex),
    );
  }

  /** Writes batches until the queue is empty; each batch ends with one sync. */
  private async runWriter(): Promise<void> {
    // Let every caller of this turn of the event loop join the first batch.
    await Promise.resolve();
    while (this.queue.length > 0 && this.failure === undefined) {
      const items = this.queue;
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      this.queuedRecords = 0;
      this.queuedBytes = 0;
      this.inFlight = this.writeBatch(items);
      const result = await this.inFlight;
      this.inFlight = undefined;
      if (!result.ok) this.failure = result.error;
      for (const resolve of waiters) resolve(result);
      if (result.ok) await this.deleteObsoleteSegments();
    }
    const failure = this.failure;
    if (failure !== undefined)
      for (const resolve of this.waiters.splice(0)) resolve({ ok: false, error: failure });
    this.writer = undefined;
  }

  private async writeBatch(items: readonly QueueItem[]): Promise<WalResult<void>> {
    try {
      let chunks: Uint8Array[] = [];
      let created = false;
      for (const item of items) {
        if ('frame' in item) {
          chunks.push(item.frame);
          this.statistics.recordsWritten++;
          continue;
        }
        await this.writeChunks(chunks);
        await this.datasync();
        await this.handle.close();
        this.handle = await open(item.roll.path, 'w+');
        this.writingSegment = item.roll;
        this.position = 0;
        chunks = [encodeSegmentHeader()];
        created = true;
      }
      await this.writeChunks(chunks);
      await this.datasync();
      if (created) {
        await this.io.syncDirectory(this.directory);
        this.durableSegments = this.segments.indexOf(this.writingSegment) + 1;
      }
      this.statistics.writeBatches++;
      for (const item of items) {
        if ('frame' in item && item.effect !== undefined) this.applyEffect(item.effect);
      }
      return walOk(undefined);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return walError('io', `log write failed: ${message}; the log refuses further writes`);
    }
  }

  private applyEffect(effect: BaseEffect): void {
    if (effect.base === 'removed') {
      this.syncedBases.delete(effect.groupId);
      return;
    }
    const previous = this.syncedBases.get(effect.groupId) ?? 0;
    this.syncedBases.set(effect.groupId, Math.max(previous, effect.base));
  }

  private async writeChunks(chunks: readonly Uint8Array[]): Promise<void> {
    // writev takes at most IOV_MAX (1024 on Linux) buffers per call.
    for (let start = 0; start < chunks.length; start += writevBuffersMax) {
      const slice = chunks.slice(start, start + writevBuffersMax);
      const { bytesWritten } = await this.handle.writev(slice, this.position);
      const expected = slice.reduce((sum, chunk) => sum + chunk.length, 0);
      if (bytesWritten !== expected) {
        throw new Error(`short write: ${bytesWritten} of ${expected} bytes`);
      }
      this.position += bytesWritten;
      this.statistics.bytesWritten += bytesWritten;
      this.writingSegment.size = this.position;
    }
  }

  private async datasync(): Promise<void> {
    await this.io.datasync(this.handle);
    this.statistics.syncs++;
  }

  /**
   * Deletes the oldest segments whose every entry is covered by the base that a later durable
   * checkpoint restates for its group (the host compacted past it after flushing its engine).
   * A corrupted group keeps every segment, as evidence, until it is removed.
   */
  private async deleteObsoleteSegments(): Promise<void> {
    if (this.corrupted.size > 0) return;
    const writingOrdinal = this.segments.indexOf(this.writingSegment);
    const deletable = countDeletableSegments(this.segments, writingOrdinal, this.syncedBases);
    if (deletable === 0) return;
    const doomed = this.segments.splice(0, deletable);
    this.durableSegments -= deletable;
    try {
      for (const info of doomed) await rm(info.path, { force: true });
      await this.io.syncDirectory(this.directory);
      this.statistics.segmentsDeleted += doomed.length;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.failure = { code: 'io', message: `deleting old log segments failed: ${message}` };
    }
  }
}

/**
 * How many of the oldest segments may go: the longest prefix, short of the segment being
 * written, whose entries every live group has durably compacted past (its synced base is at or
 * beyond each of them). Groups without a synced base were removed: their entries are garbage.
 * Replay from the first kept segment starts at its checkpoints, and the later compaction
 * records close the gap the deleted entries leave.
 */
export function countDeletableSegments(
  segments: readonly SegmentInfo[],
  writingOrdinal: number,
  syncedBases: ReadonlyMap<GroupId, number>,
): number {
  let deletable = 0;
  scan: while (deletable < writingOrdinal) {
    for (const [groupId, index] of segments[deletable]!.maxEntryIndex) {
      const base = syncedBases.get(groupId);
      if (base !== undefined && base < index) break scan;
    }
    deletable++;
  }
  // Replay must be able to start at the first segment kept.
  while (deletable > 0 && !segments[deletable]!.validStart) deletable--;
  return deletable;
}

function copyEntry<T extends { data: Uint8Array }>(entry: T): T {
  return { ...entry, data: entry.data.slice() };
}
