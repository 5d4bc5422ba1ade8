// The simulator's global view, checked continuously against Raft's safety properties
// (Figure 3 of the paper) plus the read guarantees: Election Safety, Log Matching,
// Leader Completeness, State Machine Safety, no committed entry lost, and no read
// (lease or ReadIndex) served at an index older than a commit that preceded it.

import type { LogStorage } from '../storage.js';
import type { Entry, NodeId, Snapshot } from '../types.js';

const decoder = new TextDecoder();

/** What was committed at one index, as first observed. */
interface CommittedEntry {
  term: number;
  content: string;
  /** An upper bound on the term in which the entry was committed. */
  commitTerm: number;
  firstSeenBy: NodeId;
}

/** Collects safety violations; the first one ends the run. */
export class SafetyOracle {
  readonly violations: string[] = [];
  /** The highest commit index any node has ever reported. */
  globalCommit = 0;
  private readonly leaders = new Map<number, NodeId>();
  private readonly committed: (CommittedEntry | undefined)[] = [];
  private readonly registry = new Map<string, { prevTerm: number | string; content: string }>();
  private readonly snapshotImages = new Map<number, string>();

  private fail(property: string, detail: string): void {
    if (this.violations.length < 20) this.violations.push(`${property}: ${detail}`);
  }

  /** Election Safety and Leader Completeness, when `id` becomes leader of `term`. */
  onLeader(id: NodeId, term: number, storage: LogStorage): void {
    const existing = this.leaders.get(term);
    if (existing !== undefined && existing !== id) {
      this.fail('Election Safety', `term ${term} has leaders ${existing} and ${id}`);
    }
    this.leaders.set(term, id);
    const first = storage.firstIndex();
    for (let index = first; index <= this.globalCommit; index++) {
      const committed = this.committed[index];
      if (committed === undefined || committed.commitTerm >= term) continue;
      const ourTerm = index <= storage.lastIndex() ? storage.term(index) : 'missing';
      if (ourTerm !== committed.term) {
        this.fail(
          'Leader Completeness',
          `leader ${id} of term ${term} has ${String(ourTerm)} at ${index}, committed term ${committed.term}`,
        );
        return;
      }
    }
  }

  /**
   * Log Matching, when `id` persists `entries`: two entries with the same index and term
   * must have the same content and the same predecessor term (by induction, then, the
   * same prefix).
   */
  onPersist(id: NodeId, entries: readonly Entry[], previousTerm: number | string): void {
    let prevTerm = previousTerm;
    for (const entry of entries) {
      const key = `${entry.index}/${entry.term}`;
      const content = `${entry.type}|${decoder.decode(entry.data)}`;
      const known = this.registry.get(key);
      if (known === undefined) {
        this.registry.set(key, { prevTerm, content });
      } else if (known.content !== content) {
        this.fail(
          'Log Matching',
          `node ${id} entry ${key} is ${content}, elsewhere ${known.content}`,
        );
      } else if (
        typeof prevTerm === 'number' &&
        typeof known.prevTerm === 'number' &&
        prevTerm !== known.prevTerm
      ) {
        this.fail(
          'Log Matching',
          `node ${id} entry ${key} follows term ${prevTerm}, elsewhere ${known.prevTerm}`,
        );
      } else if (typeof known.prevTerm !== 'number') {
        known.prevTerm = prevTerm;
      }
      prevTerm = entry.term;
    }
  }

  /** State Machine Safety, when `id`'s commit index moves to `commit`. */
  onCommit(id: NodeId, nodeTerm: number, from: number, commit: number, storage: LogStorage): void {
    if (commit > storage.lastIndex()) {
      this.fail(
        'Commit',
        `node ${id} commit ${commit} beyond its last index ${storage.lastIndex()}`,
      );
    }
    const lo = Math.max(from + 1, storage.firstIndex());
    const hi = Math.min(commit, storage.lastIndex());
    if (hi >= lo) {
      const entries = storage.entries(lo, hi + 1, Infinity);
      if (typeof entries !== 'string') {
        for (const entry of entries) this.record(id, entry, nodeTerm);
      }
    }
    if (commit > this.globalCommit) this.globalCommit = commit;
  }

  /** State Machine Safety, when `id` applies `entry`. */
  onApply(id: NodeId, entry: Entry, nodeTerm: number): void {
    this.record(id, entry, nodeTerm);
  }

  private record(id: NodeId, entry: Entry, nodeTerm: number): void {
    const content = `${entry.type}|${decoder.decode(entry.data)}`;
    const existing = this.committed[entry.index];
    if (existing === undefined) {
      this.committed[entry.index] = {
        term: entry.term,
        content,
        commitTerm: nodeTerm,
        firstSeenBy: id,
      };
    } else if (existing.term !== entry.term || existing.content !== content) {
      this.fail(
        'State Machine Safety',
        `index ${entry.index} committed as term ${existing.term} at ${existing.firstSeenBy}, ` +
          `term ${entry.term} at ${id} (a committed entry was lost or replaced)`,
      );
    }
  }

  /** Snapshots at the same index must carry the same state machine image. */
  onSnapshot(id: NodeId, snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    const committed = this.committed[index];
    if (committed !== undefined && committed.term !== term) {
      this.fail('State Machine Safety', `node ${id} snapshot at ${index} has term ${term}`);
    }
    const image = decoder.decode(snapshot.data);
    const known = this.snapshotImages.get(index);
    if (known === undefined) this.snapshotImages.set(index, image);
    else if (known !== image) {
      this.fail(
        'State Machine Safety',
        `node ${id} state at ${index} differs: ${image} vs ${known}`,
      );
    }
  }

  /** A read point must not precede any commit that happened before the read was requested. */
  onReadServed(id: NodeId, viaLease: boolean, index: number, commitAtRequest: number): void {
    if (index < commitAtRequest) {
      this.fail(
        viaLease ? 'Lease Read' : 'ReadIndex',
        `node ${id} served a read at ${index} but ${commitAtRequest} was committed before it was asked`,
      );
    }
  }

  /** Every committed entry must reach every member of the final configuration. */
  checkFinalApplied(id: NodeId, applied: number): void {
    if (applied < this.globalCommit) {
      this.fail(
        'Committed Entry Lost',
        `node ${id} applied ${applied} < committed ${this.globalCommit}`,
      );
    }
  }

  /** Records a free-form failure (liveness, checker verdicts). */
  report(property: string, detail: string): void {
    this.fail(property, detail);
  }
}
