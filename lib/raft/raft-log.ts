// The log as the core sees it: entries the host has persisted (storage) followed by
// entries not yet handed to the host for persistence (unstable), plus the commit and
// apply cursors. Modelled on etcd's log.go and log_unstable.go.

import type { LogStorage, StorageError } from './storage.js';
import type { Entry, Snapshot } from './types.js';
import { entrySizeBytes } from './types.js';

/** Entries and a snapshot not yet persisted by the host. */
class UnstableLog {
  /** A snapshot received from the leader, waiting to be persisted. */
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];
  /** The index of `entries[0]`. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot === null ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === null ? undefined : this.snapshot.metadata.index;
  }

  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      if (this.snapshot !== null && this.snapshot.metadata.index === index) {
        return this.snapshot.metadata.term;
      }
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || index > last) return undefined;
    return (this.entries[index - this.offset] as Entry).term;
  }

  stableTo(index: number, term: number): void {
    // Only if the entry is still the one that was persisted: a newer leader may have
    // replaced it between Ready and Advance.
    if (this.maybeTerm(index) !== term || index < this.offset) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapshotTo(index: number): void {
    if (this.snapshot !== null && this.snapshot.metadata.index === index) this.snapshot = null;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const after = (entries[0] as Entry).index;
    if (after === this.offset + this.entries.length) {
      for (const entry of entries) this.entries.push(entry);
    } else if (after <= this.offset) {
      this.offset = after;
      this.entries = entries.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(entries);
    }
  }
}

/** The core's view of the replicated log. */
export class RaftLog {
  readonly storage: LogStorage;
  readonly unstable: UnstableLog;
  /** The highest index known to be replicated on a quorum. */
  committed: number;
  /** The highest index handed to the host for applying (in the current Ready). */
  applying: number;
  /** The highest index the host has applied. */
  applied: number;

  constructor(storage: LogStorage, applied: number) {
    this.storage = storage;
    const firstIndex = storage.firstIndex();
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    this.committed = firstIndex - 1;
    this.applied = Math.max(applied, firstIndex - 1);
    this.applying = this.applied;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    if (typeof term !== 'number') throw new Error(`raft log: last term unreadable (${term})`);
    return term;
  }

  /** The term at `index`; 0 for an index past the end; an error below the snapshot. */
  term(index: number): number | StorageError {
    const dummyIndex = this.firstIndex() - 1;
    if (index < dummyIndex) return 'compacted';
    if (index > this.lastIndex()) return 0;
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== undefined) return unstableTerm;
    return this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a log ending at (index, term) is at least as up to date as this one (§5.4.1). */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Appends a leader's entries after (index, logTerm) if that entry matches, and commits
   * up to min(committed, last new index). Returns the last new index, or null on mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, entries: Entry[]): number | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNewIndex = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(`raft log: conflict at ${conflict} ≤ committed ${this.committed}`);
      }
      this.append(entries.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNewIndex));
    return lastNewIndex;
  }

  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new Error(`raft log: append at ${first.index} below committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /** The first index whose term differs from the given entries' (0 if none differ). */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, with its term: where a follower's
   * log may match a leader whose entry at `index` has `term` (etcd's fast backtracking).
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (;;) {
      const ourTerm = this.term(index);
      if (typeof ourTerm !== 'number') return [index, 0];
      if (ourTerm <= term) return [index, ourTerm];
      index--;
    }
  }

  commitTo(index: number): void {
    if (this.committed >= index) return;
    if (index > this.lastIndex()) {
      throw new Error(`raft log: commit ${index} beyond last index ${this.lastIndex()}`);
    }
    this.committed = index;
  }

  /** Commits `index` if its entry is from `term` (only current-term entries commit by counting). */
  maybeCommit(index: number, term: number, anyTerm: boolean): boolean {
    if (index <= this.committed) return false;
    if (!anyTerm && this.term(index) !== term) return false;
    this.commitTo(index);
    return true;
  }

  /** Entries in [lo, hi) bounded by `maxBytes`, across storage and unstable. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | StorageError {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return 'compacted';
    if (hi > this.lastIndex() + 1) throw new Error(`raft log: slice [${lo},${hi}) out of range`);
    let result: Entry[] = [];
    const unstableOffset = this.unstable.offset;
    if (lo < unstableOffset) {
      const stored = this.storage.entries(lo, Math.min(hi, unstableOffset), maxBytes);
      if (typeof stored === 'string') return stored;
      result = stored;
      if (result.length < Math.min(hi, unstableOffset) - lo) return result;
    }
    if (hi > unstableOffset) {
      let bytes = 0;
      for (const entry of result) bytes += entrySizeBytes(entry);
      const start = Math.max(lo, unstableOffset);
      for (let index = start; index < hi; index++) {
        const entry = this.unstable.entries[index - unstableOffset] as Entry;
        bytes += entrySizeBytes(entry);
        if (result.length > 0 && bytes > maxBytes) break;
        result.push(entry);
      }
    }
    return result;
  }

  /** Entries from `index` to the end, bounded by `maxBytes`. */
  entriesFrom(index: number, maxBytes: number): Entry[] | StorageError {
    if (index > this.lastIndex()) return [];
    return this.slice(index, this.lastIndex() + 1, maxBytes);
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== null;
  }

  /** Committed entries not yet handed out for applying. */
  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false;
    return this.committed > Math.max(this.applying, this.firstIndex() - 1);
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const lo = Math.max(this.applying + 1, this.firstIndex());
    const entries = this.slice(lo, this.committed + 1, maxBytes);
    if (typeof entries === 'string') {
      throw new Error(`raft log: committed entries unreadable (${entries})`);
    }
    return entries;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    if (index > this.committed || index < this.applied) {
      throw new Error(`raft log: applied ${index} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = index;
    this.applying = Math.max(this.applying, index);
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  snapshot(): Snapshot | StorageError {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }
}
