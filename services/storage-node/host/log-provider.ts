// Where a replica's Raft log lives: the node's shared durable log (production), or in-memory
// storage (deterministic host tests, which keep the provider across a simulated restart).
import { MemoryStorage } from '../../../lib/raft/index.js';
import type { Entry, HardState, Snapshot, WritableLogStorage } from '../../../lib/raft/index.js';
import { DurableRaftStorage } from '../../../lib/wal/raft-storage.js';
import type { SharedLog } from '../../../lib/wal/shared-log.js';

/** What one Ready asks to persist. */
export interface PersistRequest {
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly hardState: HardState | null;
}

/** A result with a reason string on failure. */
export type LogResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One group's log: the storage Raft reads, and durable persistence of a Ready. */
export interface GroupLog {
  readonly storage: WritableLogStorage;
  /** Resolves once the Ready's state is durable (group commit across groups). */
  persist(request: PersistRequest): Promise<LogResult<void>>;
  /** Tells the log the engine has flushed this group's state through `index`. */
  reportFlushed(index: number): LogResult<void>;
}

/** Opens, creates and removes group logs. */
export interface LogProvider {
  /** Opens the log of a group (empty when the group is new on this node). */
  open(groupNumber: number): LogResult<GroupLog>;
  /** Creates the log of a founding member from the bootstrap snapshot (durable on resolve). */
  bootstrap(groupNumber: number, snapshot: Snapshot): Promise<LogResult<GroupLog>>;
  /** Forgets a group's log. */
  remove(groupNumber: number): void;
}

/**
 * Entry bytes per log record. The shared log refuses records over 16 MiB, and a Ready can
 * carry several large entries (BatchWrite entries up to 8 MiB each): its entries are written
 * as consecutive records of at most this many bytes (one entry at least).
 */
export const recordEntryBytesMax = 4 * 1024 * 1024;

/**
 * Splits one Ready's persistence into parts of at most `bytesMax` entry bytes, in log order:
 * the snapshot goes with the first part and the hard state (whose commit index may cover the
 * new entries) with the last.
 */
export function splitPersist(request: PersistRequest, bytesMax: number): PersistRequest[] {
  const runs: Entry[][] = [];
  let run: Entry[] = [];
  let bytes = 0;
  for (const entry of request.entries) {
    if (run.length > 0 && bytes + entry.data.length > bytesMax) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(entry);
    bytes += entry.data.length;
  }
  if (run.length > 0 || runs.length === 0) runs.push(run);
  return runs.map((entries, i) => ({
    snapshot: i === 0 ? request.snapshot : null,
    entries,
    hardState: i === runs.length - 1 ? request.hardState : null,
  }));
}

/** Group logs on the node's shared log (`wal/`). */
export function sharedLogProvider(log: SharedLog): LogProvider {
  const wrap = (storage: DurableRaftStorage): GroupLog => ({
    storage,
    async persist(request) {
      // Every part is queued before the first await, in order: a crash keeps a prefix of them.
      const parts = splitPersist(request, recordEntryBytesMax).map((part) =>
        storage.persistReady(part),
      );
      for (const part of parts) {
        const done = await part;
        if (!done.ok) return { ok: false, reason: done.error.message };
      }
      return { ok: true, value: undefined };
    },
    reportFlushed(index) {
      const done = storage.reportFlushed(index);
      return done.ok ? { ok: true, value: undefined } : { ok: false, reason: done.error.message };
    },
  });
  return {
    open(groupNumber) {
      const opened = DurableRaftStorage.open(log, groupNumber);
      return opened.ok
        ? { ok: true, value: wrap(opened.value) }
        : { ok: false, reason: opened.error.message };
    },
    async bootstrap(groupNumber, snapshot) {
      const created = DurableRaftStorage.bootstrap(log, groupNumber, snapshot);
      if (!created.ok) return { ok: false, reason: created.error.message };
      const synced = await created.value.sync();
      return synced.ok
        ? { ok: true, value: wrap(created.value) }
        : { ok: false, reason: synced.error.message };
    },
    remove(groupNumber) {
      log.removeGroup(groupNumber);
    },
  };
}

/** In-memory group logs; keep the provider to simulate a restart with the log intact. */
export function memoryLogProvider(): LogProvider & { readonly stores: Map<number, MemoryStorage> } {
  const stores = new Map<number, MemoryStorage>();
  const wrap = (storage: MemoryStorage): GroupLog => ({
    storage,
    persist(request) {
      if (request.snapshot !== null) storage.applySnapshot(request.snapshot);
      if (request.entries.length > 0) storage.append(request.entries);
      if (request.hardState !== null) storage.setHardState(request.hardState);
      return Promise.resolve({ ok: true, value: undefined });
    },
    reportFlushed: () => ({ ok: true, value: undefined }),
  });
  return {
    stores,
    open(groupNumber) {
      let storage = stores.get(groupNumber);
      if (storage === undefined) {
        storage = new MemoryStorage();
        stores.set(groupNumber, storage);
      }
      return { ok: true, value: wrap(storage) };
    },
    bootstrap(groupNumber, snapshot) {
      const storage = MemoryStorage.bootstrap(snapshot.metadata.confState);
      stores.set(groupNumber, storage);
      return Promise.resolve({ ok: true, value: wrap(storage) });
    },
    remove(groupNumber) {
      stores.delete(groupNumber);
    },
  };
}
