// What the driver needs of its Raft log: lib/raft's storage plus one durable write per Ready.
// `DurableRaftStorage` (the shared log in the data directory) and `MemoryDriverLog` (tests)
// both fit.
import type { Entry, HardState, Snapshot, WritableLogStorage } from '../../../lib/raft/index.js';

/** The outcome of a persist: a failed one means the replica must stop (Raft believes it). */
export interface PersistOutcome {
  readonly ok: boolean;
  readonly error?: { readonly code: string; readonly message?: string };
}

/** The driver's Raft log. */
export interface DriverLog extends WritableLogStorage {
  /** Persists one Ready's snapshot, entries and hard state; resolves once they are durable. */
  persistReady(ready: {
    snapshot: Snapshot | null;
    entries: readonly Entry[];
    hardState: HardState | null;
  }): Promise<PersistOutcome>;
}
