// An in-memory Raft log for the driver's tests and for a throwaway single replica: lib/raft's
// MemoryStorage plus the `persistReady` / `persistSnapshot` steps the durable log has, so the
// driver treats both alike. Snapshot images are kept whole in memory.
import { MemoryStorage } from '../../../lib/raft/index.js';
import type { ConfState, Entry, HardState, Snapshot } from '../../../lib/raft/index.js';
import type { DriverLog, PersistOutcome } from './driver-log.js';

/** A {@link DriverLog} kept in memory: nothing survives the process. */
export class MemoryDriverLog extends MemoryStorage implements DriverLog {
  /** Persist calls so far (tests check that the driver persists before it sends). */
  persistCalls = 0;
  /** Snapshots recorded by {@link persistSnapshot} so far. */
  snapshotsTaken = 0;

  /** A founding member's log: the bootstrap snapshot naming every voter. */
  static create(voterIds: readonly string[]): MemoryDriverLog {
    const log = new MemoryDriverLog();
    const confState: ConfState = {
      voters: [...voterIds],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    log.applySnapshot({ metadata: { index: 1, term: 1, confState }, data: new Uint8Array(0) });
    log.setHardState({ term: 1, vote: '', commit: 1 });
    return log;
  }

  persistReady(ready: {
    snapshot: Snapshot | null;
    entries: readonly Entry[];
    hardState: HardState | null;
  }): Promise<PersistOutcome> {
    this.persistCalls += 1;
    if (ready.snapshot !== null) this.applySnapshot(ready.snapshot);
    if (ready.entries.length > 0) this.append(ready.entries);
    if (ready.hardState !== null) this.setHardState(ready.hardState);
    return Promise.resolve({ ok: true });
  }

  persistSnapshot(snapshot: Snapshot, compactIndex: number): Promise<PersistOutcome> {
    const { index, confState } = snapshot.metadata;
    const created = this.createSnapshot(index, confState, snapshot.data);
    // 'compacted': a newer snapshot (received from the leader) is already here.
    if (typeof created !== 'string') {
      this.snapshotsTaken += 1;
      this.compact(compactIndex);
    }
    return Promise.resolve({ ok: true });
  }
}
