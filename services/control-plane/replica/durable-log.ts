// The control plane's durable Raft log: the storage node's shared log (lib/wal) in
// `<data dir>/raft`, holding one group, with snapshot images in `<data dir>/snapshots`
// (snapshot-log.ts). A founding member writes the bootstrap snapshot naming every voter the first
// time; afterwards the latest snapshot image is loaded and only the log after it is replayed.
import { join } from 'node:path';
import { bootstrapSnapshot } from '../../../lib/raft/index.js';
import { openSharedLog } from '../../../lib/wal/open-shared-log.js';
import { DurableRaftStorage } from '../../../lib/wal/raft-storage.js';
import type { SharedLog } from '../../../lib/wal/shared-log.js';
import { SnapshotFileLog } from './snapshot-log.js';
import { FileSnapshotStore } from './snapshot-store.js';

/** The one group id of the control plane's log. */
export const CONTROL_LOG_GROUP = 1;

/**
 * Default size of one log segment. Segments are deleted whole once compaction passed every entry
 * in them, so this is the granularity of the log directory's bound: with snapshots every few
 * thousand entries the directory stays within a few segments.
 */
export const LOG_SEGMENT_BYTES_DEFAULT = 4 * 1024 * 1024;

/** An opened durable log. */
export interface OpenedDurableLog {
  readonly log: SnapshotFileLog;
  readonly shared: SharedLog;
  /** True when this start wrote the bootstrap snapshot (a brand-new replica). */
  readonly bootstrapped: boolean;
}

/** How to open the log. */
export interface DurableLogOptions {
  /** Segment size of the shared log (default {@link LOG_SEGMENT_BYTES_DEFAULT}). */
  readonly segmentBytesMax?: number;
  /** Told about problems that need no action now (an old snapshot file not deleted). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Opens (or creates) the log in `dataDirectory`. Throws on an unreadable log or a missing or
 * corrupted snapshot image; the message names the file.
 */
export async function openDurableLog(
  dataDirectory: string,
  voterIds: readonly string[],
  options: DurableLogOptions = {},
): Promise<OpenedDurableLog> {
  const opened = await openSharedLog({
    directory: join(dataDirectory, 'raft'),
    segmentBytesMax: options.segmentBytesMax ?? LOG_SEGMENT_BYTES_DEFAULT,
  });
  if (!opened.ok)
    throw new Error(`control log: ${opened.error.code} ${JSON.stringify(opened.error)}`);
  const shared = opened.value.log;
  if (opened.value.report.corrupted.length > 0) {
    await shared.close();
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
  const store = new FileSnapshotStore(join(dataDirectory, 'snapshots'));
  const log = await SnapshotFileLog.open(storage.value, store, options.onWarning);
  if (!log.ok) {
    await shared.close();
    throw new Error(`control log: ${log.message}`);
  }
  return { log: log.value, shared, bootstrapped: !exists };
}
