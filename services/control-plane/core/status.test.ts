import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clusterStatus, nodeDetail, partitionDetail } from './status.js';
import { applyOk, clusterWith, testContext, withActiveTable } from './test-support.js';

const context = testContext({ initialPartitionsPerTable: 2 });

describe('admin status', () => {
  test('reports under-replicated partitions, leaders per node, moves and blocked drains', () => {
    let state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
    let status = clusterStatus(state, context.config);
    assert.equal(status.partitionCount, 2);
    assert.deepEqual(status.underReplicated, []);
    assert.deepEqual(status.leaderlessPartitionIds, []);
    assert.equal(
      Object.values(status.leadersPerNode).reduce((a, b) => a + b, 0),
      2,
    );
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n2', state: 'down', nowMs: 5 },
      context,
    ).state;
    state = applyOk(state, { type: 'drain-node', nodeId: 'n3', nowMs: 5 }, context).state;
    status = clusterStatus(state, context.config);
    assert.deepEqual(
      status.underReplicated.map((u) => [u.partitionId, u.healthyVoters, u.unhealthyNodeIds]),
      [
        ['p1', 2, ['n2']],
        ['p2', 2, ['n2']],
      ],
    );
    assert.deepEqual(status.blockedEvacuations, ['n3'], "no up node can take n3's replicas");
    assert.equal(status.nodes.find((n) => n.nodeId === 'n3')?.state, 'draining');
    state = applyOk(
      state,
      { type: 'register-node', nodeId: 'n4', address: 'n4', zone: null, nowMs: 6 },
      context,
    ).state;
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n4', state: 'up', nowMs: 6 },
      context,
    ).state;
    state = applyOk(
      state,
      {
        type: 'begin-move',
        partitionId: 'p1',
        fromNodeId: 'n3',
        toNodeId: 'n4',
        reason: 'drain',
        nowMs: 7,
      },
      context,
    ).state;
    status = clusterStatus(state, context.config);
    assert.deepEqual(status.blockedEvacuations, []);
    assert.deepEqual(
      status.movesInFlight.map((m) => m.moveId),
      ['m1'],
    );
  });

  test('node and partition detail', () => {
    const state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
    const node = nodeDetail(state, 'n1');
    assert.ok(node.ok);
    assert.deepEqual(
      node.value.replicas.map((r) => [r.partitionId, r.tableName, r.role]),
      [
        ['p1', 'Music', 'voter'],
        ['p2', 'Music', 'voter'],
      ],
    );
    assert.equal(nodeDetail(state, 'zz').ok, false);
    const partition = partitionDetail(state, 'p2');
    assert.ok(partition.ok);
    assert.equal(partition.value.tableName, 'Music');
    assert.equal(partition.value.replicaNodes.length, 3);
    assert.equal(partition.value.move, null);
    assert.equal(partitionDetail(state, 'p9').ok, false);
  });
});
