import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  ControlAdmin,
  NodeInfoSchema,
  NodeState as WireNodeState,
} from '../../lib/gen/tessera/control/v1/control_pb.js';
import { bindService, createGrpcServer } from '../../lib/grpc/index.js';
import type { GrpcServer } from '../../lib/grpc/index.js';
import type { NodeState } from '../../operator/control/admin.js';
import { FakeControlPlaneAdmin } from '../../operator/control/fake-admin.js';
import type { GrpcControlPlaneAdmin } from '../../operator/control/grpc-admin.js';
import { createGrpcControlPlaneAdmin } from '../../operator/control/grpc-admin.js';
import { createKubeClient, kubeConfigFor } from '../../operator/kube/client.js';
import { reconcileCluster } from '../../operator/reconcile/reconciler.js';
import type { FakeApiServer } from '../../operator/testing/fake-api-server.js';
import { startFakeApiServer } from '../../operator/testing/fake-api-server.js';
import { settleDeployment, settleStatefulSet } from '../../operator/testing/simulate.js';

// The reconciler drives a drain through the real gRPC client and a ControlAdmin server
// (backed by the test double's state), as it will against the real control plane.

const wireState: Record<NodeState, WireNodeState> = {
  alive: WireNodeState.UP,
  suspect: WireNodeState.SUSPECT,
  dead: WireNodeState.DOWN,
  draining: WireNodeState.DRAINING,
  // A draining node with no replicas left reads as drained.
  drained: WireNodeState.DRAINING,
  decommissioned: WireNodeState.DECOMMISSIONED,
};

let api: FakeApiServer;
let server: GrpcServer;
let admin: GrpcControlPlaneAdmin;
const state = new FakeControlPlaneAdmin();

before(async () => {
  api = await startFakeApiServer();
  server = createGrpcServer([
    bindService(ControlAdmin, {
      getClusterStatus: () =>
        Promise.resolve({
          nodes: [...state.nodes.values()].map((node) =>
            create(NodeInfoSchema, {
              nodeId: node.nodeId,
              state: wireState[node.state],
              replicaCount: node.replicas,
            }),
          ),
          partitionCount: state.partitions,
          underReplicatedPartitions: state.underReplicatedPartitions,
          leaderlessPartitions: state.leaderlessPartitions,
        }),
      drainNode: async (request) => {
        await state.drainNode(request.nodeId);
        return {};
      },
      cancelDrain: async (request) => {
        await state.cancelDrain(request.nodeId);
        return {};
      },
      getNode: () => Promise.resolve({}),
      getPartition: () => Promise.resolve({}),
    }),
  ]);
  const port = await server.listen('127.0.0.1', 0);
  admin = createGrpcControlPlaneAdmin(`127.0.0.1:${port}`);
});

after(async () => {
  admin.close();
  await server.shutdown(0);
  await api.close();
});

test('scale down from 4 to 3 drains demo-storage-3 over gRPC, then shrinks', async () => {
  const deps = {
    kube: createKubeClient(kubeConfigFor(api.url, 'db')),
    adminFor: () => admin,
    nowMs: () => 0,
  };
  api.seed('TesseraCluster', {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name: 'demo', namespace: 'db' },
    spec: { version: '1', storage: { replicas: 4 } },
  });
  const settle = () => {
    settleStatefulSet(api, 'db', 'demo-storage');
    settleStatefulSet(api, 'db', 'demo-control');
    settleDeployment(api, 'db', 'demo-router');
  };
  await reconcileCluster(deps, 'db', 'demo');
  settle();
  state.addNodes(['demo-storage-0', 'demo-storage-1', 'demo-storage-2', 'demo-storage-3'], 6);
  assert.deepEqual(await reconcileCluster(deps, 'db', 'demo'), { result: 'done' });

  api.update('TesseraCluster', 'db', 'demo', (object) => {
    (object.spec as { storage: { replicas: number } }).storage.replicas = 3;
  });
  await reconcileCluster(deps, 'db', 'demo');
  assert.equal(state.nodes.get('demo-storage-3')?.state, 'draining');
  assert.equal(
    (api.get('StatefulSet', 'db', 'demo-storage')?.spec as { replicas: number }).replicas,
    4,
  );

  state.progressDrains();
  await reconcileCluster(deps, 'db', 'demo');
  assert.equal(
    (api.get('StatefulSet', 'db', 'demo-storage')?.spec as { replicas: number }).replicas,
    3,
  );
  assert.equal(api.get('PersistentVolumeClaim', 'db', 'data-demo-storage-3'), undefined);
});
