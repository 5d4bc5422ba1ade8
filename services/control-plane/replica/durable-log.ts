// The control plane's durable Raft log: the storage node's shared log (services/storage-node/wal)
// in `<data dir>/raft`, holding one group. A founding member writes the bootstrap snapshot naming
// every voter the first time; afterwards the log is replayed and the state rebuilt from it.
import { join } from 'node:path';
import { bootstrapSnapshot } from '../../../lib/raft/index.js';
import { openSharedLog } from '../../../lib/wal/open-shared-log.js';
import { DurableRaftStorage } from '../../../lib/wal/raft-storage.js';
import type { SharedLog } from '../../../lib/wal/shared-log.js';

/** The one group id of the control plane's log. */
export const CONTROL_LOG_GROUP = 1;

/** An opened durable log. */
export interface OpenedDurableLog {
  readonly log: DurableRaftStorage;
  readonly shared: SharedLog;
  /** True when this start wrote the bootstrap snapshot (a brand-new replica). */
  readonly bootstrapped: boolean;
}

/** Opens (or creates) the log in `dataDirectory`; throws on an unreadable log. */
export async function openDurableLog(
  dataDirectory: string,
  voterIds: readonly string[],
): Promise<OpenedDurableLog> {
  const opened = await openSharedLog({ directory: join(dataDirectory, 'raft') });
  if (!opened.ok)
    throw new Error(`control log: ${opened.error.code} ${JSON.stringify(opened.error)}`);
  const shared = opened.value.log;
  if (opened.value.report.corrupted.length > 0) {
    throw new Error(`control log corrupted: ${JSON.stringify(opened.value.report.corrupted)}`);
  }
  const exists = shared.groupIds().includes(CONTROL_LOG_GROUP);
  const storage = exists
    ? DurableRaftStorage.open(shared, CONTROL_LOG_GROUP)
    : DurableRaftStorage.bootstrap(
        shared,
        CONTROL_LOG_GROUP,
        bootstrapSnapshot({
          voters: [...voterIds],
          learners: [],
          votersOutgoing: [],
          learnersNext: [],
          autoLeave: false,
        }),
      );
  if (!storage.ok) throw new Error(`control log: ${storage.error.code}`);
  const synced = await storage.value.sync();
  if (!synced.ok) throw new Error(`control log: ${synced.error.code}`);
  return { log: storage.value, shared, bootstrapped: !exists };
}
