// tessera.control.v1.ControlAdmin for the operator and the CLI: cluster status, drain and
// cancel-drain (logged commands), node and partition detail. Leader only, like the catalog:
// the status it answers includes every committed change.
import { bindService } from '../../../lib/grpc/index.js';
import type { ServiceBinding } from '../../../lib/grpc/index.js';
import { ControlAdmin } from '../../../lib/gen/tessera/control/v1/control_pb.js';
import { buildPartitionMap } from '../core/partition-map.js';
import { clusterStatus, nodeDetail, partitionDetail } from '../core/status.js';
import type { NodeStatus } from '../core/status.js';
import type { NodeRecord } from '../core/state.js';
import type { ProposeOutcome } from '../replica/driver.js';
import type { ServerContext } from './context.js';
import { answerOf, requireLeader } from './context.js';
import { errorDetail, moveInfoToProto, nodeInfoToProto, partitionInfoToProto } from './convert.js';

/** The ControlAdmin service over a driver. */
export function adminService(context: ServerContext): ServiceBinding {
  const nodeInfo = (status: NodeStatus) =>
    nodeInfoToProto(status, context.lastHeartbeatMs.get(status.nodeId) ?? 0);
  const statusOf = (nodeId: string): NodeStatus | undefined =>
    clusterStatus(context.driver.state, context.config()).nodes.find((n) => n.nodeId === nodeId);
  const nodeAnswer = (outcome: ProposeOutcome<NodeRecord>) => {
    const answer = answerOf(context, outcome);
    if (!answer.ok) return { error: errorDetail(answer.error) };
    const status = statusOf(answer.value.nodeId);
    return status === undefined ? {} : { node: nodeInfo(status) };
  };
  return bindService(ControlAdmin, {
    getClusterStatus() {
      requireLeader(context);
      const state = context.driver.state;
      const status = clusterStatus(state, context.config());
      return Promise.resolve({
        epoch: BigInt(status.mapEpoch),
        nodes: status.nodes.map(nodeInfo),
        tableCount: status.tableCount,
        partitionCount: status.partitionCount,
        underReplicatedPartitions: status.underReplicated.length,
        leaderlessPartitions: status.leaderlessPartitionIds.length,
        moves: status.movesInFlight.map(moveInfoToProto),
        controlPlaneId: context.driver.replicaId,
        controlPlaneLeader: context.driver.isLeader,
        laggingPartitions: context.work.laggingPartitionIds(state).length,
        blockedEvacuations: [...status.blockedEvacuations],
      });
    },
    async drainNode(request) {
      requireLeader(context);
      const outcome = await context.driver.propose({
        type: 'drain-node',
        nodeId: request.nodeId,
        nowMs: context.clock(),
      });
      return nodeAnswer(outcome);
    },
    async cancelDrain(request) {
      requireLeader(context);
      const outcome = await context.driver.propose({
        type: 'cancel-drain',
        nodeId: request.nodeId,
        nowMs: context.clock(),
      });
      return nodeAnswer(outcome);
    },
    getNode(request) {
      requireLeader(context);
      const state = context.driver.state;
      const detail = nodeDetail(state, request.nodeId);
      if (!detail.ok) return Promise.resolve({ error: errorDetail(detail.error) });
      const map = buildPartitionMap(state);
      const addresses = new Map(map.nodes.map((n) => [n.nodeId, n.address]));
      const hosted = new Set(detail.value.replicas.map((r) => r.partitionId));
      return Promise.resolve({
        node: nodeInfo(detail.value.node),
        partitions: map.partitions
          .filter((p) => hosted.has(p.partitionId))
          .map((p) => partitionInfoToProto(p, state.tables[p.tableId]?.tableName ?? '', addresses)),
      });
    },
    getPartition(request) {
      requireLeader(context);
      const state = context.driver.state;
      const detail = partitionDetail(state, request.partitionId);
      if (!detail.ok) return Promise.resolve({ error: errorDetail(detail.error) });
      const map = buildPartitionMap(state);
      const addresses = new Map(map.nodes.map((n) => [n.nodeId, n.address]));
      const partition = map.partitions.find((p) => p.partitionId === request.partitionId);
      return Promise.resolve(
        partition === undefined
          ? {}
          : { partition: partitionInfoToProto(partition, detail.value.tableName, addresses) },
      );
    },
  });
}
