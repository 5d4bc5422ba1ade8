// The in-memory state of one group's log: the base (the entry before the first retained one,
// standing for the latest snapshot or compaction), the retained entries, the hard state, the
// latest snapshot metadata and the record sequence number. Both live writes and recovery replay
// go through the same `check*` / `apply*` pairs, so a record means the same thing either way.
// Pure: no I/O.
import type { CheckpointBody } from './codec.js';
import { walError, walOk } from './types.js';
import type { GroupId, GroupUpdate, LogEntry, LogSnapshot, WalResult } from './types.js';

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkSnapshotShape(snapshot: LogSnapshot): WalResult<void> {
  if (
    !isIndex(snapshot.index) ||
    !isIndex(snapshot.term) ||
    !(snapshot.payload instanceof Uint8Array)
  ) {
    return walError(
      'invalid-argument',
      'snapshot needs a safe integer index and term and a Uint8Array payload',
    );
  }
  return walOk(undefined);
}

/** Checks entries on their own: well-formed, consecutive indexes, terms never decreasing. */
function checkEntriesShape(entries: readonly LogEntry[]): WalResult<void> {
  if (!Array.isArray(entries)) return walError('invalid-argument', 'entries is not an array');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (!isIndex(entry.index) || entry.index === 0 || !isIndex(entry.term)) {
      return walError(
        'invalid-argument',
        `entry ${i} needs a positive safe integer index and a term`,
      );
    }
    if (
      !Number.isInteger(entry.type) ||
      entry.type < 0 ||
      entry.type > 255 ||
      !(entry.data instanceof Uint8Array)
    ) {
      return walError('invalid-argument', `entry ${i} needs a type 0..255 and Uint8Array data`);
    }
    const previous = entries[i - 1];
    if (
      previous !== undefined &&
      (entry.index !== previous.index + 1 || entry.term < previous.term)
    ) {
      return walError('invalid-argument', `entry ${i} does not follow entry ${i - 1}`);
    }
  }
  return walOk(undefined);
}

/** One group's log, as kept in memory. */
export class GroupLog {
  /** Sequence number of the group's latest record (0 before the first). */
  sequence = 0;
  baseIndex = 0;
  baseTerm = 0;
  entries: LogEntry[] = [];
  hardState: Uint8Array | undefined;
  snapshot: LogSnapshot | undefined;
  /** The index the host reported as flushed in its engine (memory only). */
  flushedThrough = 0;
  /** Payload bytes of the retained entries. */
  entryBytes = 0;
  /**
   * Replay only: entries up to this index were in deleted segments and the record compacting
   * them has not been replayed yet (0 when there is no gap). A gap left at the end of replay
   * means records were lost.
   */
  gapThrough = 0;

  constructor(readonly groupId: GroupId) {}

  /** Index of the first retained entry. */
  firstIndex(): number {
    return this.baseIndex + 1;
  }

  /** Index of the last entry (the base when there are none). */
  lastIndex(): number {
    return this.baseIndex + this.entries.length;
  }

  /** The term of entry `index`, for `baseIndex ≤ index ≤ lastIndex()`. */
  term(index: number): WalResult<number> {
    if (index < this.baseIndex)
      return walError('compacted', `index ${index} is compacted`, { groupId: this.groupId });
    if (index > this.lastIndex())
      return walError('unavailable', `index ${index} is beyond the log`, { groupId: this.groupId });
    return walOk(
      index === this.baseIndex ? this.baseTerm : this.entries[index - this.baseIndex - 1]!.term,
    );
  }

  /**
   * Entries in [lo, hi) with at most `maxBytes` of data, but at least one entry when the range
   * is not empty.
   */
  slice(lo: number, hi: number, maxBytes: number): WalResult<LogEntry[]> {
    if (lo <= this.baseIndex)
      return walError('compacted', `index ${lo} is compacted`, { groupId: this.groupId });
    if (hi > this.lastIndex() + 1 || lo > hi) {
      return walError('unavailable', `range [${lo}, ${hi}) is beyond the log`, {
        groupId: this.groupId,
      });
    }
    const result: LogEntry[] = [];
    let bytes = 0;
    for (let index = lo; index < hi; index++) {
      const entry = this.entries[index - this.baseIndex - 1]!;
      bytes += entry.data.length;
      if (result.length > 0 && bytes > maxBytes) break;
      result.push(entry);
    }
    return walOk(result);
  }

  /**
   * Checks a whole update against the current state, as it would be after each earlier part,
   * so that an update is applied entirely or not at all.
   */
  checkUpdate(update: GroupUpdate, allowGap = false): WalResult<void> {
    let baseIndex = this.baseIndex;
    let lastIndex = this.lastIndex();
    let termAt = (index: number): number | undefined => {
      const term = this.term(index);
      return term.ok ? term.value : undefined;
    };
    if (update.snapshot !== undefined) {
      const shape = checkSnapshotShape(update.snapshot);
      if (!shape.ok) return shape;
      if (this.isNewSnapshot(update.snapshot)) {
        const snapshot = update.snapshot;
        baseIndex = snapshot.index;
        lastIndex = snapshot.index;
        termAt = (index) => (index === snapshot.index ? snapshot.term : undefined);
      }
    }
    if (update.entries !== undefined && update.entries.length > 0) {
      const shape = checkEntriesShape(update.entries);
      if (!shape.ok) return shape;
      const kept = update.entries.filter((entry) => entry.index > baseIndex);
      const first = kept[0];
      if (first !== undefined && !(allowGap && first.index > lastIndex + 1)) {
        if (first.index > lastIndex + 1) {
          return walError(
            'invalid-argument',
            `entries start at ${first.index}, after a gap from ${lastIndex}`,
          );
        }
        const previousTerm = termAt(first.index - 1);
        if (previousTerm !== undefined && previousTerm > first.term) {
          return walError(
            'invalid-argument',
            `entry ${first.index} has a term below its predecessor's`,
          );
        }
      }
    }
    if (update.hardState !== undefined && !(update.hardState instanceof Uint8Array)) {
      return walError('invalid-argument', 'hard state is not a Uint8Array');
    }
    return walOk(undefined);
  }

  /** True when `snapshot` is newer than the one held (older ones are ignored, as etcd does). */
  isNewSnapshot(snapshot: LogSnapshot): boolean {
    return snapshot.index > (this.snapshot?.index ?? 0) && snapshot.index > this.baseIndex;
  }

  /** Replaces the log with a received snapshot. */
  applySnapshot(snapshot: LogSnapshot): void {
    this.snapshot = snapshot;
    this.gapThrough = 0;
    this.baseIndex = snapshot.index;
    this.baseTerm = snapshot.term;
    this.entries = [];
    this.entryBytes = 0;
  }

  /** Appends entries, discarding covered ones and overwriting a conflicting suffix. */
  applyEntries(entries: readonly LogEntry[]): void {
    const kept = entries.filter((entry) => entry.index > this.baseIndex);
    const first = kept[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex() + 1) {
      // Replay only (checked away for live writes): the missing entries were deleted with
      // their segment; a compaction replayed later must cover them.
      this.gapThrough = first.index - 1;
      this.baseIndex = first.index - 1;
      this.baseTerm = 0;
      this.entries = [];
      this.entryBytes = 0;
    }
    const removed = this.entries.splice(first.index - this.baseIndex - 1);
    for (const entry of removed) this.entryBytes -= entry.data.length;
    for (const entry of kept) {
      this.entries.push(entry);
      this.entryBytes += entry.data.length;
    }
  }

  /** Checks recording a snapshot of the host's own state at `index`; returns its term. */
  checkCreatedSnapshot(index: number): WalResult<number> {
    if (!isIndex(index))
      return walError('invalid-argument', 'snapshot index must be a safe integer');
    if (index <= (this.snapshot?.index ?? 0)) {
      return walError('compacted', `a snapshot at or after ${index} exists`, {
        groupId: this.groupId,
      });
    }
    return this.term(index);
  }

  /** Records snapshot metadata without touching entries. */
  applyCreatedSnapshot(snapshot: LogSnapshot): void {
    this.snapshot = snapshot;
  }

  /** Checks discarding entries up to and including `throughIndex`; returns the new base term. */
  checkCompact(throughIndex: number): WalResult<number> {
    if (!isIndex(throughIndex))
      return walError('invalid-argument', 'compaction index must be a safe integer');
    if (throughIndex > this.flushedThrough) {
      return walError(
        'not-flushed',
        `cannot compact through ${throughIndex}: the engine is flushed only through ${this.flushedThrough}`,
        { groupId: this.groupId },
      );
    }
    if (throughIndex <= this.baseIndex) return walOk(this.baseTerm);
    return this.term(throughIndex);
  }

  /** Discards entries up to and including `baseIndex`. */
  applyCompact(baseIndex: number, baseTerm: number): void {
    if (baseIndex >= this.gapThrough) this.gapThrough = 0;
    if (baseIndex === this.baseIndex) this.baseTerm = baseTerm;
    if (baseIndex <= this.baseIndex) return;
    const dropped = this.entries.splice(
      0,
      Math.min(this.entries.length, baseIndex - this.baseIndex),
    );
    for (const entry of dropped) this.entryBytes -= entry.data.length;
    this.baseIndex = baseIndex;
    this.baseTerm = baseTerm;
  }

  /** The state a checkpoint record restates. */
  checkpoint(): CheckpointBody {
    return {
      baseIndex: this.baseIndex,
      baseTerm: this.baseTerm,
      hardState: this.hardState,
      snapshot: this.snapshot,
    };
  }

  /**
   * Applies a checkpoint during replay. Returns false when it contradicts the entries already
   * replayed (which only corruption can cause).
   */
  applyCheckpoint(checkpoint: CheckpointBody): boolean {
    this.hardState = checkpoint.hardState;
    this.snapshot = checkpoint.snapshot;
    if (checkpoint.baseIndex >= this.lastIndex()) {
      this.baseIndex = checkpoint.baseIndex;
      this.baseTerm = checkpoint.baseTerm;
      this.entries = [];
      this.entryBytes = 0;
      this.gapThrough = 0;
      return true;
    }
    // Behind a replay gap the checkpoint may predate the compaction that closes it.
    if (checkpoint.baseIndex < this.baseIndex) return this.gapThrough > 0;
    this.applyCompact(checkpoint.baseIndex, checkpoint.baseTerm);
    return true;
  }
}
