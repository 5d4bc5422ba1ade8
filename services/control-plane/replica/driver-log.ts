// What the driver needs of its Raft log: lib/raft's storage plus one durable write per Ready and
// one durable snapshot-and-compact step. `SnapshotFileLog` (the shared log in the data directory
// with snapshot images in files beside it) and `MemoryDriverLog` (tests) both fit.
import type { Entry, HardState, Snapshot, WritableLogStorage } from '../../../lib/raft/index.js';

/** The outcome of a persist: a failed one means the replica must stop (Raft believes it). */
export interface PersistOutcome {
  readonly ok: boolean;
  readonly error?: { readonly code: string; readonly message?: string };
}

/** The driver's Raft log. */
export interface DriverLog extends WritableLogStorage {
  /**
   * Persists one Ready's snapshot, entries and hard state; resolves once they are durable. A
   * snapshot's data is a whole snapshot image (snapshot-file.ts), received from the leader.
   */
  persistReady(ready: {
    snapshot: Snapshot | null;
    entries: readonly Entry[];
    hardState: HardState | null;
  }): Promise<PersistOutcome>;
  /**
   * Records `snapshot` (an image of the state machine at `snapshot.metadata.index`, which this
   * replica has applied) durably, then discards the entries before `compactIndex`
   * (≤ snapshot index + 1). From then on `snapshot()` returns it, so the leader can send it to
   * a follower that needs compacted entries. Error code `snapshot-file`: the image could not be
   * stored and the log is unchanged (the driver retries later); any other error is fatal.
   */
  persistSnapshot(snapshot: Snapshot, compactIndex: number): Promise<PersistOutcome>;
}
