import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  ControlAdmin,
  NodeInfoSchema,
  NodeState,
} from '../../lib/gen/tessera/control/v1/control_pb.js';
import { ErrorDetailSchema } from '../../lib/gen/tessera/v1/error_detail_pb.js';
import { GrpcError, GrpcStatus, bindService, createGrpcServer } from '../../lib/grpc/index.js';
import type { GrpcServer } from '../../lib/grpc/index.js';
import type { GrpcControlPlaneAdmin } from './grpc-admin.js';
import { createGrpcControlPlaneAdmin } from './grpc-admin.js';

let server: GrpcServer;
let admin: GrpcControlPlaneAdmin;
const drained: string[] = [];

before(async () => {
  // A control plane stand-in serving tessera.control.v1.ControlAdmin over real gRPC.
  server = createGrpcServer([
    bindService(ControlAdmin, {
      getClusterStatus: () =>
        Promise.resolve({
          nodes: [
            create(NodeInfoSchema, {
              nodeId: 'demo-storage-0',
              state: NodeState.UP,
              replicaCount: 4,
              leaderCount: 2,
            }),
            create(NodeInfoSchema, {
              nodeId: 'demo-storage-1',
              state: NodeState.DRAINING,
              replicaCount: 1,
            }),
            create(NodeInfoSchema, {
              nodeId: 'demo-storage-2',
              state: NodeState.DRAINING,
              replicaCount: 0,
            }),
            create(NodeInfoSchema, { nodeId: 'demo-storage-3', state: NodeState.DOWN }),
            create(NodeInfoSchema, { nodeId: 'demo-storage-4', state: NodeState.DECOMMISSIONED }),
          ],
          partitionCount: 8,
          underReplicatedPartitions: 1,
          leaderlessPartitions: 0,
        }),
      drainNode: (request) => {
        if (request.nodeId === 'unknown') {
          return Promise.resolve({
            error: create(ErrorDetailSchema, { type: 'NodeNotFound', message: 'no such node' }),
          });
        }
        drained.push(request.nodeId);
        return Promise.resolve({});
      },
      cancelDrain: () => Promise.reject(new GrpcError(GrpcStatus.UNAVAILABLE, 'not the leader')),
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
});

test('cluster status maps node states and counts', async () => {
  const status = await admin.clusterStatus();
  assert.ok(status.ok);
  assert.deepEqual(
    status.value.nodes.map((node) => [node.nodeId, node.state, node.replicas, node.leaders]),
    [
      ['demo-storage-0', 'alive', 4, 2],
      ['demo-storage-1', 'draining', 1, 0],
      ['demo-storage-2', 'drained', 0, 0],
      ['demo-storage-3', 'dead', 0, 0],
      ['demo-storage-4', 'decommissioned', 0, 0],
    ],
  );
  assert.equal(status.value.underReplicatedPartitions, 1);
  assert.equal(status.value.partitions, 8);
});

test('drain succeeds, and typed errors and transport errors are results, not exceptions', async () => {
  assert.deepEqual(await admin.drainNode('demo-storage-3'), { ok: true, value: undefined });
  assert.deepEqual(drained, ['demo-storage-3']);
  const refused = await admin.drainNode('unknown');
  assert.deepEqual(refused, { ok: false, code: 'rejected', error: 'NodeNotFound: no such node' });
  const unavailable = await admin.cancelDrain('demo-storage-1');
  assert.equal(unavailable.ok, false);
  assert.equal(unavailable.ok ? '' : unavailable.code, 'unreachable');
  assert.match(unavailable.ok ? '' : unavailable.error, /not the leader/);
});

test('an unreachable control plane is an error result', async () => {
  const nowhere = createGrpcControlPlaneAdmin('127.0.0.1:1');
  try {
    const status = await nowhere.clusterStatus();
    assert.equal(status.ok, false);
    assert.equal(status.ok ? '' : status.code, 'unreachable');
  } finally {
    nowhere.close();
  }
});
