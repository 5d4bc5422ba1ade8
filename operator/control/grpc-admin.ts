/**
 * {@link ControlPlaneAdmin} over gRPC (`tessera.control.v1.ControlAdmin`). Transport
 * failures and the control plane's typed errors both become `{ ok: false }` results:
 * the reconciler waits and retries, it never crashes on an unreachable control plane.
 */
import type { MessageShape } from '@bufbuild/protobuf';
import {
  ControlAdmin,
  NodeState as WireNodeState,
} from '../../lib/gen/tessera/control/v1/control_pb.js';
import type { NodeInfoSchema } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { createClient, openChannel } from '../../lib/grpc/index.js';
import type { AdminResult, ClusterStatus, ControlPlaneAdmin, NodeState } from './admin.js';

/** Deadline of one admin call: the reconciler must not hang on a slow control plane. */
export const adminCallTimeoutMs = 5_000;

/** A gRPC admin client for one control plane, with its channel. */
export interface GrpcControlPlaneAdmin extends ControlPlaneAdmin {
  close(): void;
}

/** Connects to the control plane's admin API at `address` (`host:port`). */
export function createGrpcControlPlaneAdmin(address: string): GrpcControlPlaneAdmin {
  const channel = openChannel(address);
  const client = createClient(ControlAdmin, channel, { defaultTimeoutMs: adminCallTimeoutMs });
  const attempt = async <T>(action: () => Promise<T>): Promise<AdminResult<T>> => {
    try {
      return { ok: true, value: await action() };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  return {
    async clusterStatus() {
      const answer = await attempt(() => client.getClusterStatus({}));
      if (!answer.ok) return answer;
      const status: ClusterStatus = {
        nodes: answer.value.nodes.map((node) => ({
          nodeId: node.nodeId,
          state: nodeState(node),
          replicas: node.replicaCount,
          leaders: node.leaderCount,
        })),
        partitions: answer.value.partitionCount,
        underReplicatedPartitions: answer.value.underReplicatedPartitions,
        leaderlessPartitions: answer.value.leaderlessPartitions,
      };
      return { ok: true, value: status };
    },
    async drainNode(nodeId) {
      const answer = await attempt(() => client.drainNode({ nodeId }));
      if (!answer.ok) return answer;
      if (answer.value.error)
        return { ok: false, error: `${answer.value.error.type}: ${answer.value.error.message}` };
      return { ok: true, value: undefined };
    },
    async cancelDrain(nodeId) {
      const answer = await attempt(() => client.cancelDrain({ nodeId }));
      if (!answer.ok) return answer;
      if (answer.value.error)
        return { ok: false, error: `${answer.value.error.type}: ${answer.value.error.message}` };
      return { ok: true, value: undefined };
    },
    close: () => channel.close(),
  };
}

/** Maps the wire state to the operator's; a draining node with no replicas left is drained. */
function nodeState(node: MessageShape<typeof NodeInfoSchema>): NodeState {
  switch (node.state) {
    case WireNodeState.UP:
    case WireNodeState.JOINING:
      return 'alive';
    case WireNodeState.SUSPECT:
      return 'suspect';
    case WireNodeState.DOWN:
      return 'dead';
    case WireNodeState.DRAINING:
      return node.replicaCount === 0 ? 'drained' : 'draining';
    case WireNodeState.DECOMMISSIONED:
      return 'drained';
    default:
      return 'suspect';
  }
}
