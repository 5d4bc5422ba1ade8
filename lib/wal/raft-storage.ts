// The Raft core's log storage interface (`lib/raft` WritableLogStorage) for one group, served
// from the shared log's in-memory index and persisted through it.
//
// The interface's write methods are synchronous and return nothing, while durability is
// asynchronous and can fail (queue full, disk error, corrupted group). So writes are queued
// at once, and any error they meet is kept and returned by the next `sync()` (or
// `persistReady()`), which the host awaits before sending the Ready's messages anyway. A
// host that sees such an error must stop the replica: Raft believes the write happened.
import { emptyConfState } from '../raft/index.js';
import type {
  ConfState,
  Entry,
  EntryType,
  HardState,
  InitialState,
  Snapshot,
  StorageError,
  WritableLogStorage,
} from '../raft/index.js';
import type { GroupLogView, SharedLog } from './shared-log.js';
import { walOk } from './types.js';
import type { GroupId, GroupUpdate, LogEntry, LogSnapshot, WalError, WalResult } from './types.js';

const entryTypes: readonly EntryType[] = ['normal', 'confChange'];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toLogEntry(entry: Entry): LogEntry {
  return {
    index: entry.index,
    term: entry.term,
    type: entryTypes.indexOf(entry.type),
    data: entry.data,
  };
}

function toRaftEntry(entry: LogEntry): Entry {
  const type = entryTypes[entry.type];
  if (type === undefined) throw new Error(`raft storage: unknown entry type ${entry.type}`);
  return { index: entry.index, term: entry.term, type, data: entry.data };
}

/** Hard states are small and rare: JSON keeps them readable in a hex dump. */
function encodeHardState(hardState: HardState): Uint8Array {
  return encoder.encode(
    JSON.stringify({ term: hardState.term, vote: hardState.vote, commit: hardState.commit }),
  );
}

function decodeHardState(bytes: Uint8Array | undefined): HardState {
  if (bytes === undefined) return { term: 0, vote: '', commit: 0 };
  return JSON.parse(decoder.decode(bytes)) as HardState;
}

/** A snapshot payload: the membership as JSON (length-prefixed), then the opaque data. */
function encodeSnapshotPayload(confState: ConfState, data: Uint8Array): Uint8Array {
  const membership = encoder.encode(JSON.stringify(confState));
  const payload = new Uint8Array(4 + membership.length + data.length);
  new DataView(payload.buffer).setUint32(0, membership.length, true);
  payload.set(membership, 4);
  payload.set(data, 4 + membership.length);
  return payload;
}

function toRaftSnapshot(snapshot: LogSnapshot): Snapshot {
  const view = new DataView(
    snapshot.payload.buffer,
    snapshot.payload.byteOffset,
    snapshot.payload.length,
  );
  const length = view.getUint32(0, true);
  const confState = JSON.parse(
    decoder.decode(snapshot.payload.subarray(4, 4 + length)),
  ) as ConfState;
  return {
    metadata: { index: snapshot.index, term: snapshot.term, confState },
    data: snapshot.payload.subarray(4 + length),
  };
}

function toLogSnapshot(snapshot: Snapshot): LogSnapshot {
  const { index, term, confState } = snapshot.metadata;
  return { index, term, payload: encodeSnapshotPayload(confState, snapshot.data) };
}

function storageError(error: WalError): StorageError {
  return error.code === 'compacted' ? 'compacted' : 'unavailable';
}

/** One group's Raft log storage on the node's shared log. */
export class DurableRaftStorage implements WritableLogStorage {
  private deferred: WalError | undefined;

  private constructor(
    private readonly log: SharedLog,
    /** The group this storage serves. */
    readonly groupId: GroupId,
    private readonly view: GroupLogView,
  ) {}

  /** The storage of a group already on this node (or a new, empty one for a joining learner). */
  static open(log: SharedLog, groupId: GroupId): WalResult<DurableRaftStorage> {
    const view = log.group(groupId);
    return view.ok ? walOk(new DurableRaftStorage(log, groupId, view.value)) : view;
  }

  /**
   * The storage of a founding member of a new group: the bootstrap snapshot (index 1, term 1,
   * the initial membership) and hard state, as `MemoryStorage.bootstrap` does. Queued: await
   * `sync()` before using the group.
   */
  static bootstrap(
    log: SharedLog,
    groupId: GroupId,
    snapshot: Snapshot,
  ): WalResult<DurableRaftStorage> {
    const opened = DurableRaftStorage.open(log, groupId);
    if (!opened.ok) return opened;
    const { index, term } = snapshot.metadata;
    const queued = log.enqueue(groupId, {
      snapshot: toLogSnapshot(snapshot),
      hardState: encodeHardState({ term, vote: '', commit: index }),
    });
    return queued.ok ? opened : queued;
  }

  initialState(): InitialState {
    const snapshot = this.snapshot();
    return {
      hardState: decodeHardState(this.view.hardState),
      confState:
        typeof snapshot === 'string'
          ? emptyConfState()
          : structuredClone(snapshot.metadata.confState),
    };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] | StorageError {
    const slice = this.view.slice(lo, hi, maxBytes);
    return slice.ok ? slice.value.map(toRaftEntry) : storageError(slice.error);
  }

  term(index: number): number | StorageError {
    const term = this.view.term(index);
    return term.ok ? term.value : storageError(term.error);
  }

  firstIndex(): number {
    return this.view.firstIndex();
  }

  lastIndex(): number {
    return this.view.lastIndex();
  }

  snapshot(): Snapshot | StorageError {
    const snapshot = this.view.snapshot;
    if (snapshot === undefined) {
      return {
        metadata: { index: 0, term: 0, confState: emptyConfState() },
        data: new Uint8Array(0),
      };
    }
    return toRaftSnapshot(snapshot);
  }

  append(entries: readonly Entry[]): void {
    if (entries.length > 0) this.enqueue({ entries: entries.map(toLogEntry) });
  }

  setHardState(hardState: HardState): void {
    this.enqueue({ hardState: encodeHardState(hardState) });
  }

  applySnapshot(snapshot: Snapshot): void {
    this.enqueue({ snapshot: toLogSnapshot(snapshot) });
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot | StorageError {
    if (index > this.lastIndex()) throw new Error(`raft storage: snapshot ${index} beyond log`);
    const created = this.log.createSnapshot(
      this.groupId,
      index,
      encodeSnapshotPayload(confState, data),
    );
    if (created.ok) return toRaftSnapshot(created.value);
    if (created.error.code !== 'compacted') this.deferred ??= created.error;
    return storageError(created.error);
  }

  /** Discards entries before `index`; the host must have reported its engine flushed past them. */
  compact(index: number): void {
    if (index <= this.firstIndex()) return;
    const snapshotIndex = this.view.snapshot?.index ?? 0;
    if (index > snapshotIndex + 1)
      throw new Error(`raft storage: compact ${index} beyond snapshot`);
    const compacted = this.log.compact(this.groupId, index - 1);
    if (!compacted.ok) this.deferred ??= compacted.error;
  }

  /** Tells the log the engine has flushed this group's state through `index`. */
  reportFlushed(index: number): WalResult<void> {
    return this.log.reportFlushed(this.groupId, index);
  }

  /**
   * Persists one Ready's snapshot, entries and hard state as one update and resolves when it
   * is durable (sharing the sync with every other group waiting at that moment).
   */
  async persistReady(ready: {
    snapshot: Snapshot | null;
    entries: readonly Entry[];
    hardState: HardState | null;
  }): Promise<WalResult<void>> {
    const update: GroupUpdate = {
      ...(ready.snapshot === null ? {} : { snapshot: toLogSnapshot(ready.snapshot) }),
      ...(ready.entries.length === 0 ? {} : { entries: ready.entries.map(toLogEntry) }),
      ...(ready.hardState === null ? {} : { hardState: encodeHardState(ready.hardState) }),
    };
    this.enqueue(update);
    return this.sync();
  }

  /** Resolves once every write so far is durable, or with the first error one of them met. */
  async sync(): Promise<WalResult<void>> {
    const deferred = this.deferred;
    if (deferred !== undefined) {
      this.deferred = undefined;
      return { ok: false, error: deferred };
    }
    return this.log.sync();
  }

  private enqueue(update: GroupUpdate): void {
    if (this.deferred !== undefined) return;
    const queued = this.log.enqueue(this.groupId, update);
    if (!queued.ok) this.deferred = queued.error;
  }
}
