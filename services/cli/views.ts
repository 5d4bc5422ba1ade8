// What each CLI command shows, built from the control plane's answers. Pure: answers in,
// text out, so every view is tested without a cluster.
import type {
  GetClusterStatusResponse,
  GetPartitionMapResponse,
  NodeInfo,
} from '../../lib/gen/tessera/control/v1/control_pb.js';
import { NodeState } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { renderTable } from './text-table.js';

/** `joining`, `up`, … from the protobuf enum. */
export function nodeStateName(state: NodeState): string {
  const name = NodeState[state] ?? 'UNSPECIFIED';
  return name.replace(/^NODE_STATE_/, '').toLowerCase();
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A hash bound, shortened to its first 8 hex digits ('' is the end of the space). */
function bound(bytes: Uint8Array, isEnd: boolean): string {
  if (bytes.length === 0) return isEnd ? 'end' : '0';
  return hex(bytes).slice(0, 8);
}

/** `tessera status`: the cluster at a glance. */
export function statusView(status: GetClusterStatusResponse): string {
  const byState = new Map<string, number>();
  for (const node of status.nodes) {
    const state = nodeStateName(node.state);
    byState.set(state, (byState.get(state) ?? 0) + 1);
  }
  const states = [...byState].map(([state, count]) => `${count} ${state}`).join(', ') || 'none';
  const lines = [
    `control plane   ${status.controlPlaneId} (${status.controlPlaneLeader ? 'leader' : 'follower'})`,
    `map epoch       ${status.epoch}`,
    `storage nodes   ${status.nodes.length} (${states})`,
    `tables          ${status.tableCount}`,
    `partitions      ${status.partitionCount} (${status.underReplicatedPartitions} under-replicated, ${status.leaderlessPartitions} without a leader, ${status.laggingPartitions} lagging)`,
    `moves           ${status.moves.length} in flight`,
  ];
  if (status.blockedEvacuations.length > 0)
    lines.push(
      `blocked drains  ${status.blockedEvacuations.join(', ')} (no node can take their replicas)`,
    );
  if (status.moves.length > 0) {
    lines.push(
      '',
      renderTable(
        ['PARTITION', 'FROM', 'TO', 'STEP'],
        status.moves.map((move) => [move.partitionId, move.fromNodeId, move.toNodeId, move.step]),
      ),
    );
  }
  return lines.join('\n');
}

/** `tessera nodes`: one row per storage node. */
export function nodesView(nodes: readonly NodeInfo[], nowMs: number): string {
  return renderTable(
    ['NODE', 'ADDRESS', 'ZONE', 'STATE', 'REPLICAS', 'LEADERS', 'LAST HEARTBEAT'],
    [...nodes]
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId))
      .map((node) => [
        node.nodeId,
        node.address,
        node.zone || '-',
        nodeStateName(node.state),
        String(node.replicaCount),
        String(node.leaderCount),
        node.lastHeartbeatMs === 0n
          ? 'never'
          : `${Math.max(0, Math.round((nowMs - Number(node.lastHeartbeatMs)) / 1000))}s ago`,
      ]),
  );
}

/** `tessera tables`: one row per table. */
export function tablesView(map: GetPartitionMapResponse): string {
  return renderTable(
    ['TABLE', 'ID', 'STATUS', 'KEY', 'PARTITIONS'],
    [...map.tables]
      .sort((a, b) => (a.schema?.tableName ?? '').localeCompare(b.schema?.tableName ?? ''))
      .map((table) => [
        table.schema?.tableName ?? '?',
        table.schema?.tableId ?? '?',
        table.tableStatus,
        (table.schema?.keySchema ?? [])
          .map((key) => `${key.attributeName} (${key.keyType})`)
          .join(', '),
        String(table.partitions.length),
      ]),
  );
}

/** `tessera partitions`: one row per partition, optionally of one table. */
export function partitionsView(map: GetPartitionMapResponse, tableName?: string): string {
  const rows: string[][] = [];
  for (const table of map.tables) {
    if (tableName !== undefined && table.schema?.tableName !== tableName) continue;
    for (const partition of table.partitions) {
      const replicas = partition.replicas
        .map((replica) => `${replica.nodeId}${replica.learner ? ' (learner)' : ''}`)
        .join(', ');
      rows.push([
        table.schema?.tableName ?? '?',
        partition.partitionId,
        `${bound(partition.range?.start ?? new Uint8Array(), false)}…${bound(partition.range?.end ?? new Uint8Array(), true)}`,
        String(partition.epoch),
        partition.leaderNodeId || '-',
        replicas,
      ]);
    }
  }
  return renderTable(['TABLE', 'PARTITION', 'HASH RANGE', 'EPOCH', 'LEADER', 'REPLICAS'], rows);
}
