// An in-memory log: what tests, the simulator and the benchmark persist into. It keeps a
// dummy entry at position 0 standing for the snapshot, as etcd's MemoryStorage does, so
// `term(firstIndex() - 1)` is always answerable.

import type { InitialState, StorageError, WritableLogStorage } from './storage.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';
import { emptyConfState, entrySizeBytes } from './types.js';

/** A {@link WritableLogStorage} kept entirely in memory. */
export class MemoryStorage implements WritableLogStorage {
  private hardState: HardState = { term: 0, vote: '', commit: 0 };
  private latestSnapshot: Snapshot = {
    metadata: { index: 0, term: 0, confState: emptyConfState() },
    data: new Uint8Array(0),
  };
  // entries[0] is a dummy whose index/term are the snapshot's.
  private log: Entry[] = [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }];

  /**
   * A storage for a founding member of a new group: a bootstrap snapshot at index 1,
   * term 1 carrying the initial membership (see {@link bootstrapSnapshot}). Members added
   * later start from an empty `new MemoryStorage()` and receive a snapshot.
   */
  static bootstrap(confState: ConfState): MemoryStorage {
    const storage = new MemoryStorage();
    storage.applySnapshot(bootstrapSnapshot(confState));
    storage.setHardState({ term: 1, vote: '', commit: 1 });
    return storage;
  }

  initialState(): InitialState {
    return {
      hardState: { ...this.hardState },
      confState: structuredClone(this.latestSnapshot.metadata.confState),
    };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] | StorageError {
    const offset = this.dummy().index;
    if (lo <= offset) return 'compacted';
    if (hi > this.lastIndex() + 1) throw new Error(`memory storage: hi ${hi} beyond last index`);
    const result: Entry[] = [];
    let bytes = 0;
    for (let index = lo; index < hi; index++) {
      const entry = this.log[index - offset] as Entry;
      bytes += entrySizeBytes(entry);
      if (result.length > 0 && bytes > maxBytes) break;
      result.push(entry);
    }
    return result;
  }

  term(index: number): number | StorageError {
    const offset = this.dummy().index;
    if (index < offset) return 'compacted';
    if (index - offset >= this.log.length) return 'unavailable';
    return (this.log[index - offset] as Entry).term;
  }

  firstIndex(): number {
    return this.dummy().index + 1;
  }

  lastIndex(): number {
    return this.dummy().index + this.log.length - 1;
  }

  snapshot(): Snapshot | StorageError {
    return this.latestSnapshot;
  }

  /** The persisted hard state (for tests and the simulator's checks). */
  persistedHardState(): HardState {
    return { ...this.hardState };
  }

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const offset = this.dummy().index;
    // Entries already covered by the snapshot are skipped, not re-appended.
    const skip = Math.max(0, offset + 1 - first.index);
    if (skip >= entries.length) return;
    const start = first.index + skip;
    if (start > this.lastIndex() + 1) {
      throw new Error(`memory storage: gap appending ${start} after ${this.lastIndex()}`);
    }
    this.log.length = start - offset;
    for (let i = skip; i < entries.length; i++) this.log.push(entries[i] as Entry);
  }

  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.metadata.index <= this.latestSnapshot.metadata.index) return;
    this.latestSnapshot = snapshot;
    const { index, term } = snapshot.metadata;
    this.log = [{ term, index, type: 'normal', data: new Uint8Array(0) }];
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot | StorageError {
    if (index <= this.latestSnapshot.metadata.index) return 'compacted';
    if (index > this.lastIndex()) throw new Error(`memory storage: snapshot ${index} beyond log`);
    const term = this.term(index);
    if (typeof term !== 'number') return term;
    this.latestSnapshot = {
      metadata: { index, term, confState: structuredClone(confState) },
      data,
    };
    return this.latestSnapshot;
  }

  compact(index: number): void {
    const offset = this.dummy().index;
    if (index <= offset) return;
    if (index > this.latestSnapshot.metadata.index + 1) {
      throw new Error(`memory storage: compact ${index} beyond snapshot`);
    }
    const dummyEntry = this.log[index - 1 - offset] as Entry;
    this.log = [
      { term: dummyEntry.term, index: dummyEntry.index, type: 'normal', data: new Uint8Array(0) },
      ...this.log.slice(index - offset),
    ];
  }

  private dummy(): Entry {
    return this.log[0] as Entry;
  }
}

/**
 * The snapshot every founding member of a group starts from: index 1, term 1, the initial
 * membership and an empty state machine image. Index 1 is in no log, so a member that
 * joins later with an empty log can only catch up through a snapshot, which carries the
 * membership history it would otherwise miss.
 */
export function bootstrapSnapshot(confState: ConfState): Snapshot {
  return {
    metadata: { index: 1, term: 1, confState: structuredClone(confState) },
    data: new Uint8Array(0),
  };
}
