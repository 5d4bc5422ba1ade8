// The cluster is ready for tables only when the control plane counts every storage node as
// up: a node's /readyz says it listens, not that it has registered. Without this wait a
// CreateTable right after start could find too few nodes to place replicas.
import { ControlAdmin, NodeState } from '../../lib/gen/tessera/control/v1/control_pb.js';
import { createClient, openChannel } from '../../lib/grpc/index.js';

/** Polls the control plane until `nodesExpected` storage nodes are up, or the deadline passes. */
export async function waitForNodesUp(
  controlAddress: string,
  nodesExpected: number,
  timeoutMs: number,
): Promise<boolean> {
  const channel = openChannel(controlAddress);
  try {
    const admin = createClient(ControlAdmin, channel);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const status = await admin.getClusterStatus({}, { timeoutMs: 2_000 });
        const up = status.nodes.filter((node) => node.state === NodeState.UP).length;
        if (up >= nodesExpected) return true;
      } catch {
        // Not leader yet, or not listening: ask again.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  } finally {
    channel.close();
  }
}
