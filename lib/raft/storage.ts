// The log storage interface. The core only reads through `LogStorage`; the host writes
// through `WritableLogStorage` while handling a Ready. A durable implementation (the
// storage node's checksummed log file) implements the same two interfaces, so the core
// does not change when the in-memory one is swapped out.

import type { ConfState, Entry, HardState, Snapshot } from './types.js';

/**
 * Why a read could not be served. `compacted`: the index is below the first retained
 * entry (the leader then sends a snapshot). `unavailable`: temporarily not readable
 * (e.g. a durable log still loading); the core retries on a later heartbeat.
 */
export type StorageError = 'compacted' | 'unavailable';

/** What a node restarts from. */
export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

/**
 * The read side of a Raft log, as the core sees it. All methods are synchronous: a
 * durable implementation keeps an in-memory index (and, ideally, a cache of the tail).
 *
 * Layout: the storage holds a snapshot at index `firstIndex() - 1` (possibly the empty
 * initial one at 0) followed by entries `firstIndex() … lastIndex()`.
 */
export interface LogStorage {
  /** The persisted hard state and the membership as of the latest snapshot. */
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), at most `maxBytes` of payload but always at least one entry
   * when the range is non-empty. `lo` must be ≥ firstIndex() (else `compacted`) and
   * `hi` ≤ lastIndex() + 1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[] | StorageError;
  /** The term of entry `index`, for firstIndex() - 1 ≤ index ≤ lastIndex(). */
  term(index: number): number | StorageError;
  /** The index of the first retained entry (snapshot index + 1). */
  firstIndex(): number;
  /** The index of the last entry (the snapshot index when there are none). */
  lastIndex(): number;
  /** The most recent snapshot. */
  snapshot(): Snapshot | StorageError;
}

/** The operations a host performs on its log while handling Ready and compacting. */
export interface WritableLogStorage extends LogStorage {
  /**
   * Appends entries, first discarding any existing entries at or after
   * `entries[0].index` (a new leader may overwrite an uncommitted suffix).
   */
  append(entries: readonly Entry[]): void;
  /** Persists the hard state. */
  setHardState(hardState: HardState): void;
  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void;
  /**
   * Records a snapshot of the host's state machine at `index` (≤ the applied index) so
   * that `compact` may later discard the entries it covers.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot | StorageError;
  /**
   * Discards entries before `index` (which must be covered by the latest snapshot). The
   * host calls this once its state machine is durable past `index`.
   */
  compact(index: number): void;
}
