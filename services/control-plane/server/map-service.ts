// tessera.control.v1.PartitionMap: the routers' map. GetPartitionMap answers the current
// snapshot; WatchPartitionMap sends a consistent snapshot first (or only the changes since the
// caller's known epoch, when the feed still has them), then one message per change with a
// growing epoch, each carrying the whole TableMap of every table the change touched. Any
// replica serves the map (routers may watch a follower: its map lags by at most the commit
// delay, and epochs still only grow). A stream ends when the caller cancels or the server
// shuts down; a watcher too slow to keep up is ended (it reconnects with its known epoch).
import { bindService, GrpcError, GrpcStatus } from '../../../lib/grpc/index.js';
import type { ServiceBinding } from '../../../lib/grpc/index.js';
import { PartitionMap } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import { applyPartitionMapChange } from '../core/partition-map.js';
import type { PartitionMapChange, PartitionMapSnapshot } from '../core/partition-map.js';
import type { ServerContext } from './context.js';
import { tableMapsToProto } from './convert.js';

/** Changes queued for one watcher before it is ended as too slow. */
export const WATCH_QUEUE_MAX = 1_024;

/** Tables a change touched: upserted tables and the tables of changed or removed partitions. */
function touchedTableIds(before: PartitionMapSnapshot, change: PartitionMapChange): Set<string> {
  const touched = new Set<string>(change.upsertTables.map((t) => t.tableId));
  for (const partition of change.upsertPartitions) touched.add(partition.tableId);
  for (const partitionId of change.removedPartitionIds) {
    const removed = before.partitions.find((p) => p.partitionId === partitionId);
    if (removed !== undefined) touched.add(removed.tableId);
  }
  const changedNodes = new Set([
    ...change.upsertNodes.map((n) => n.nodeId),
    ...change.removedNodeIds,
  ]);
  if (changedNodes.size > 0) {
    for (const partition of before.partitions) {
      if (partition.replicas.some((r) => changedNodes.has(r.nodeId)))
        touched.add(partition.tableId);
    }
  }
  for (const tableId of change.removedTableIds) touched.delete(tableId);
  return touched;
}

/** The watch message for one change, built from the map as of the change's epoch. */
function changeMessage(
  before: PartitionMapSnapshot,
  after: PartitionMapSnapshot,
  change: PartitionMapChange,
) {
  const touched = touchedTableIds(before, change);
  return {
    epoch: BigInt(change.epoch),
    snapshot: false,
    tables: tableMapsToProto(
      after,
      after.tables.filter((t) => touched.has(t.tableId)),
    ),
    removedTableIds: [...change.removedTableIds],
  };
}

/**
 * What a watcher resuming at an older epoch gets: one message at the current epoch with every
 * table the missed changes touched (whole, as of now) and the tables removed since.
 */
function resumeMessage(current: PartitionMapSnapshot, changes: readonly PartitionMapChange[]) {
  const touched = new Set<string>();
  const removed = new Set<string>();
  for (const change of changes) {
    for (const id of touchedTableIds(current, change)) touched.add(id);
    for (const id of change.removedTableIds) removed.add(id);
  }
  const tables = current.tables.filter((t) => touched.has(t.tableId) || removed.has(t.tableId));
  for (const table of tables) removed.delete(table.tableId);
  return {
    epoch: BigInt(current.epoch),
    snapshot: false,
    tables: tableMapsToProto(current, tables),
    removedTableIds: [...removed],
  };
}

/** The PartitionMap service over a driver. */
export function mapService(context: ServerContext): ServiceBinding {
  let watchers = 0;
  return bindService(PartitionMap, {
    getPartitionMap() {
      const snapshot = context.driver.feed.snapshot;
      return Promise.resolve({ epoch: BigInt(snapshot.epoch), tables: tableMapsToProto(snapshot) });
    },
    async *watchPartitionMap(request, call) {
      if (watchers >= context.watchersMax) {
        throw new GrpcError(
          GrpcStatus.RESOURCE_EXHAUSTED,
          `${context.watchersMax} watchers already`,
        );
      }
      watchers += 1;
      const queue: PartitionMapChange[] = [];
      let wake: (() => void) | null = null;
      let overflow = false;
      const unwatch = context.driver.watch((change) => {
        if (queue.length >= WATCH_QUEUE_MAX) overflow = true;
        else queue.push(change);
        wake?.();
      });
      const onEnd = (): void => wake?.();
      call.signal.addEventListener('abort', onEnd);
      call.shutdownSignal.addEventListener('abort', onEnd);
      try {
        const known = request.knownEpoch === 0n ? undefined : Number(request.knownEpoch);
        const subscription = context.driver.feed.subscribe(known);
        const current = context.driver.feed.snapshot;
        let latest = current;
        if (subscription.kind === 'snapshot') {
          yield {
            epoch: BigInt(current.epoch),
            snapshot: true,
            tables: tableMapsToProto(current),
            removedTableIds: [],
          };
        } else if (subscription.changes.length > 0) {
          yield resumeMessage(current, subscription.changes);
        }
        // Changes published while the first message was being sent are already in `current`.
        while (!call.signal.aborted && !call.shutdownSignal.aborted) {
          if (overflow)
            throw new GrpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'watcher fell behind; reconnect');
          const change = queue.shift();
          if (change === undefined) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = null;
            continue;
          }
          if (change.epoch <= latest.epoch) continue;
          const before = latest;
          latest = applyPartitionMapChange(latest, change);
          yield changeMessage(before, latest, change);
        }
      } finally {
        unwatch();
        call.signal.removeEventListener('abort', onEnd);
        call.shutdownSignal.removeEventListener('abort', onEnd);
        watchers -= 1;
      }
    },
  });
}
