/**
 * An in-process test double of the control plane's admin API. It models just enough:
 * nodes with replica counts, drains that move replicas away when the test calls
 * {@link FakeControlPlaneAdmin.progressDrains}, and health counters a test can set.
 */
import type { AdminResult, ClusterStatus, ControlPlaneAdmin, NodeStatus } from './admin.js';

/** The fake's state, readable and changeable by tests. */
export class FakeControlPlaneAdmin implements ControlPlaneAdmin {
  readonly nodes = new Map<string, NodeStatus>();
  readonly calls: string[] = [];
  partitions = 0;
  underReplicatedPartitions = 0;
  leaderlessPartitions = 0;
  laggingPartitions = 0;
  blockedEvacuations: string[] = [];
  /** When set, every call fails with this message (control plane unreachable). */
  unreachable: string | undefined;
  /** When set, drains are refused with this message (as the leader's typed error). */
  refuseDrains: string | undefined;

  /** Registers nodes as a control plane would when their pods start. */
  addNodes(nodeIds: string[], replicasEach: number): void {
    for (const nodeId of nodeIds) {
      this.nodes.set(nodeId, { nodeId, state: 'alive', replicas: replicasEach, leaders: 0 });
    }
    this.partitions = Math.max(this.partitions, replicasEach);
  }

  /** Finishes every drain in progress: replicas move to the alive nodes. */
  progressDrains(): void {
    const alive = [...this.nodes.values()].filter((node) => node.state === 'alive');
    for (const node of this.nodes.values()) {
      if (node.state !== 'draining') continue;
      const target = alive[0];
      if (target) target.replicas += node.replicas;
      node.replicas = 0;
      node.leaders = 0;
      node.state = 'drained';
    }
  }

  clusterStatus(): Promise<AdminResult<ClusterStatus>> {
    this.calls.push('clusterStatus');
    if (this.unreachable)
      return Promise.resolve({ ok: false, code: 'unreachable', error: this.unreachable });
    return Promise.resolve({
      ok: true,
      value: {
        nodes: [...this.nodes.values()].map((node) => ({ ...node })),
        partitions: this.partitions,
        underReplicatedPartitions: this.underReplicatedPartitions,
        leaderlessPartitions: this.leaderlessPartitions,
        laggingPartitions: this.laggingPartitions,
        blockedEvacuations: [...this.blockedEvacuations],
      },
    });
  }

  drainNode(nodeId: string): Promise<AdminResult<void>> {
    this.calls.push(`drain ${nodeId}`);
    if (this.unreachable)
      return Promise.resolve({ ok: false, code: 'unreachable', error: this.unreachable });
    if (this.refuseDrains) {
      return Promise.resolve({ ok: false, code: 'rejected', error: this.refuseDrains });
    }
    const node = this.nodes.get(nodeId);
    if (!node)
      return Promise.resolve({ ok: false, code: 'rejected', error: `unknown node ${nodeId}` });
    if (node.state === 'alive' || node.state === 'suspect') node.state = 'draining';
    return Promise.resolve({ ok: true, value: undefined });
  }

  cancelDrain(nodeId: string): Promise<AdminResult<void>> {
    this.calls.push(`cancel ${nodeId}`);
    if (this.unreachable)
      return Promise.resolve({ ok: false, code: 'unreachable', error: this.unreachable });
    const node = this.nodes.get(nodeId);
    if (node?.state === 'decommissioned') {
      // As the real control plane: a retired node cannot be brought back.
      return Promise.resolve({
        ok: false,
        code: 'rejected',
        error: `InvalidNodeTransition: node ${nodeId} is decommissioned, not draining`,
      });
    }
    if (node && (node.state === 'draining' || node.state === 'drained')) node.state = 'alive';
    return Promise.resolve({ ok: true, value: undefined });
  }
}
