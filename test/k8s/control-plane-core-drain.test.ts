import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyCommand } from '../../services/control-plane/core/commands/index.js';
import type { Command } from '../../services/control-plane/core/commands/index.js';
import { createControlConfig } from '../../services/control-plane/core/config.js';
import { FailureDetector } from '../../services/control-plane/core/membership.js';
import { planReconcile } from '../../services/control-plane/core/reconcile.js';
import { stepDone } from '../../services/control-plane/core/simulation-support.js';
import { createInitialState } from '../../services/control-plane/core/state.js';
import type { ControlState } from '../../services/control-plane/core/state.js';
import { clusterStatus } from '../../services/control-plane/core/status.js';
import type {
  AdminResult,
  ClusterStatus,
  ControlPlaneAdmin,
  NodeState,
} from '../../operator/control/admin.js';
import { createKubeClient, kubeConfigFor } from '../../operator/kube/client.js';
import { reconcileCluster } from '../../operator/reconcile/reconciler.js';
import type { FakeApiServer } from '../../operator/testing/fake-api-server.js';
import { startFakeApiServer } from '../../operator/testing/fake-api-server.js';
import { settleDeployment, settleStatefulSet } from '../../operator/testing/simulate.js';

// The operator's drain answered by the control plane's own core (membership, placement,
// move state machine), with storage nodes that carry out every move step at once.

const config = createControlConfig({ replicationFactor: 3, initialPartitionsPerTable: 4 });

class CoreControlPlane implements ControlPlaneAdmin {
  state: ControlState = createInitialState();
  detector = new FailureDetector(config);
  nowMs = 1_700_000_000_000;
  readonly alive = new Set<string>();

  apply(command: Command): boolean {
    const outcome = applyCommand(this.state, command, { config });
    this.state = outcome.state;
    return outcome.result.ok;
  }

  register(nodeId: string): void {
    this.alive.add(nodeId);
    this.apply({
      type: 'register-node',
      nodeId,
      address: `${nodeId}:7100`,
      zone: null,
      nowMs: this.nowMs,
    });
  }

  /** One leader tick plus the storage nodes' answers. */
  tick(): void {
    this.nowMs += 500;
    for (const nodeId of this.alive) this.detector.recordHeartbeat(nodeId, this.nowMs);
    const plan = planReconcile(this.state, this.detector, this.nowMs, config);
    for (const command of plan.commands) this.apply(command);
    for (const partition of Object.values(this.state.partitions)) {
      if (partition.leaderNodeId !== null) continue;
      const voter = partition.replicas.find((replica) => replica.role === 'voter');
      if (voter) {
        this.apply({
          type: 'mark-partition-leader',
          partitionId: partition.partitionId,
          nodeId: voter.nodeId,
          term: partition.leaderTerm + 1,
          nowMs: this.nowMs,
        });
      }
    }
    for (const step of plan.moveSteps) {
      const move = Object.values(this.state.moves).find(
        (candidate) => candidate.partitionId === step.partitionId,
      );
      const done = stepDone(step, this.alive);
      if (!move || done === 'none') continue;
      this.apply(
        done === 'finish'
          ? { type: 'finish-move', moveId: move.moveId, nowMs: this.nowMs }
          : { type: 'advance-move', moveId: move.moveId, phase: done, nowMs: this.nowMs },
      );
    }
  }

  clusterStatus(): Promise<AdminResult<ClusterStatus>> {
    const status = clusterStatus(this.state, config);
    const states: Record<string, NodeState> = {
      joining: 'alive',
      up: 'alive',
      suspect: 'suspect',
      down: 'dead',
      draining: 'draining',
      decommissioned: 'decommissioned',
    };
    return Promise.resolve({
      ok: true,
      value: {
        nodes: status.nodes.map((node) => ({
          nodeId: node.nodeId,
          state:
            node.state === 'draining' && node.replicaCount === 0
              ? 'drained'
              : (states[node.state] ?? 'suspect'),
          replicas: node.replicaCount,
          leaders: node.leaderCount,
        })),
        partitions: status.partitionCount,
        underReplicatedPartitions: status.underReplicated.length,
        leaderlessPartitions: status.leaderlessPartitionIds.length,
        // The pure core has no leader reports: nothing is known to lag.
        laggingPartitions: 0,
        blockedEvacuations: [...status.blockedEvacuations],
      },
    });
  }

  drainNode(nodeId: string): Promise<AdminResult<void>> {
    const ok = this.apply({ type: 'drain-node', nodeId, nowMs: this.nowMs });
    return Promise.resolve(
      ok
        ? { ok: true, value: undefined }
        : { ok: false, code: 'rejected', error: `drain of ${nodeId} refused` },
    );
  }

  cancelDrain(nodeId: string): Promise<AdminResult<void>> {
    const ok = this.apply({ type: 'cancel-drain', nodeId, nowMs: this.nowMs });
    return Promise.resolve(
      ok
        ? { ok: true, value: undefined }
        : { ok: false, code: 'rejected', error: `cancel of ${nodeId} refused` },
    );
  }
}

let api: FakeApiServer;
before(async () => {
  api = await startFakeApiServer();
});
after(() => api.close());

test("scale down 4 → 3: the control plane core moves demo-storage-3's replicas away before the pod goes", async () => {
  const core = new CoreControlPlane();
  const deps = {
    kube: createKubeClient(kubeConfigFor(api.url, 'db')),
    adminFor: () => core,
    nowMs: () => core.nowMs,
  };
  api.seed('TesseraCluster', {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name: 'demo', namespace: 'db' },
    spec: { version: '1', storage: { replicas: 4 } },
  });
  await reconcileCluster(deps, 'db', 'demo');
  settleStatefulSet(api, 'db', 'demo-storage');
  settleStatefulSet(api, 'db', 'demo-control');
  settleDeployment(api, 'db', 'demo-router');
  for (let ordinal = 0; ordinal < 4; ordinal += 1) core.register(`demo-storage-${ordinal}`);
  for (let tick = 0; tick < 10; tick += 1) core.tick();
  assert.ok(
    core.apply({
      type: 'create-table',
      tableId: 'tid-music',
      input: {
        TableName: 'Music',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      nowMs: core.nowMs,
    }),
  );
  for (let tick = 0; tick < 40; tick += 1) core.tick();
  const before = await core.clusterStatus();
  assert.ok(
    before.ok && before.value.partitions === 4 && before.value.underReplicatedPartitions === 0,
  );
  assert.deepEqual(await reconcileCluster(deps, 'db', 'demo'), { result: 'done' });
  const holdingBefore =
    before.value.nodes.find((node) => node.nodeId === 'demo-storage-3')?.replicas ?? 0;
  assert.ok(
    holdingBefore > 0,
    `demo-storage-3 holds ${holdingBefore} replicas before the scale-down`,
  );

  api.update('TesseraCluster', 'db', 'demo', (object) => {
    (object.spec as { storage: { replicas: number } }).storage.replicas = 3;
  });
  const replicasOf = () =>
    (api.get('StatefulSet', 'db', 'demo-storage')?.spec as { replicas: number }).replicas;
  let shrunkWhileHolding = false;
  let rounds = 0;
  for (let round = 0; round < 60 && replicasOf() === 4; round += 1) {
    const status = await core.clusterStatus();
    const leaving = status.ok
      ? status.value.nodes.find((node) => node.nodeId === 'demo-storage-3')
      : undefined;
    await reconcileCluster(deps, 'db', 'demo');
    rounds += 1;
    if (replicasOf() === 3 && (leaving?.replicas ?? 0) > 0) shrunkWhileHolding = true;
    core.tick();
  }
  assert.equal(replicasOf(), 3, 'the StatefulSet shrank once the drain finished');
  assert.equal(shrunkWhileHolding, false, 'never while demo-storage-3 still held replicas');
  assert.ok(rounds > 1, `the shrink waited for the drain (${rounds} passes)`);
  const after = await core.clusterStatus();
  assert.ok(after.ok);
  assert.equal(after.value.underReplicatedPartitions, 0);
  assert.equal(after.value.nodes.find((node) => node.nodeId === 'demo-storage-3')?.replicas, 0);
});
