import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import {
  GetClusterStatusResponseSchema,
  GetPartitionMapResponseSchema,
  NodeState,
} from '../../lib/gen/tessera/control/v1/control_pb.js';
import { renderTable } from './text-table.js';
import { nodesView, partitionsView, statusView, tablesView } from './views.js';

test('tables align their columns under a rule', () => {
  assert.equal(
    renderTable(
      ['A', 'BB'],
      [
        ['xyz', '1'],
        ['w', '22'],
      ],
    ),
    'A    BB\n---  --\nxyz  1\nw    22',
  );
});

const status = create(GetClusterStatusResponseSchema, {
  epoch: 7n,
  controlPlaneId: 'control-1',
  controlPlaneLeader: true,
  tableCount: 1,
  partitionCount: 2,
  underReplicatedPartitions: 1,
  nodes: [
    {
      nodeId: 'storage-2',
      address: '127.0.0.1:7101',
      state: NodeState.DOWN,
      replicaCount: 0,
      lastHeartbeatMs: 1_000n,
    },
    {
      nodeId: 'storage-1',
      address: '127.0.0.1:7100',
      state: NodeState.UP,
      replicaCount: 2,
      leaderCount: 2,
      lastHeartbeatMs: 9_000n,
    },
  ],
  moves: [{ partitionId: 'p1', fromNodeId: 'storage-2', toNodeId: 'storage-1', step: 'catch-up' }],
});

test('status counts nodes by state and lists moves', () => {
  const text = statusView(status);
  assert.match(text, /control-1 \(leader\)/);
  assert.match(text, /storage nodes {3}2 \(1 down, 1 up\)/);
  assert.match(text, /partitions {6}2 \(1 under-replicated, 0 without a leader, 0 lagging\)/);
  assert.match(text, /p1 {9}storage-2 {2}storage-1 {2}catch-up/);
});

test('nodes are sorted and show heartbeat age', () => {
  const lines = nodesView(status.nodes, 10_000).split('\n');
  assert.match(lines[2]!, /^storage-1 .* up .* 2 .* 2 .* 1s ago$/);
  assert.match(lines[3]!, /^storage-2 .* down .* 9s ago$/);
});

test('tables and partitions show schema, ranges, leaders and replicas', () => {
  const map = create(GetPartitionMapResponseSchema, {
    epoch: 3n,
    tables: [
      {
        schema: {
          tableName: 'Music',
          tableId: 't1',
          keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
        },
        tableStatus: 'ACTIVE',
        partitions: [
          {
            partitionId: 'p1',
            epoch: 2n,
            range: {
              start: new Uint8Array(16),
              end: Uint8Array.from([0x80, ...new Array(15).fill(0)]),
            },
            leaderNodeId: 'storage-1',
            replicas: [{ nodeId: 'storage-1' }, { nodeId: 'storage-3', learner: true }],
          },
        ],
      },
    ],
  });
  assert.match(tablesView(map), /Music {2}t1 {2}ACTIVE {2}id \(HASH\) {2}1/);
  assert.match(
    partitionsView(map),
    /Music {2}p1 .* 00000000…80000000 {2}2 .* storage-1 .* storage-1, storage-3 \(learner\)/,
  );
  assert.equal(partitionsView(map, 'Other').split('\n').length, 2);
});
