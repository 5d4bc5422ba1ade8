import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { placeNewPartitions, planLeaderTransfers, planMoves } from './placement.js';
import { createInitialState, leaderCountsByNode, replicaCountsByNode } from './state.js';
import type { ControlState } from './state.js';
import { applyOk, clusterWith, testContext, withActiveTable, withNodes } from './test-support.js';

describe('placeNewPartitions', () => {
  test('spreads replicas evenly over nodes, distinct per partition', () => {
    const context = testContext();
    const state = clusterWith(context, ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    const result = placeNewPartitions(state, 8, context.config);
    assert.ok(result.ok);
    const counts = new Map<string, number>();
    for (const placement of result.value) {
      assert.equal(new Set(placement.nodeIds).size, 3);
      for (const id of placement.nodeIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      assert.ok(placement.nodeIds.includes(placement.leaderNodeId));
    }
    assert.deepEqual([...counts.values()].sort(), [4, 4, 4, 4, 4, 4]);
  });

  test('puts replicas in distinct zones when labels allow it', () => {
    const context = testContext();
    const state = withNodes(createInitialState(), context, [
      ['a1', 'za'],
      ['a2', 'za'],
      ['a3', 'za'],
      ['b1', 'zb'],
      ['c1', 'zc'],
      ['c2', 'zc'],
    ]);
    const result = placeNewPartitions(state, 6, context.config);
    assert.ok(result.ok);
    for (const placement of result.value) {
      const zones = placement.nodeIds.map((id) => state.nodes[id]?.zone);
      assert.equal(new Set(zones).size, 3, `replicas ${placement.nodeIds.join(',')} share a zone`);
    }
  });

  test('falls back to sharing a zone when there are fewer zones than replicas', () => {
    const context = testContext();
    const state = withNodes(createInitialState(), context, [
      ['a1', 'za'],
      ['a2', 'za'],
      ['b1', 'zb'],
    ]);
    const result = placeNewPartitions(state, 1, context.config);
    assert.ok(result.ok);
    assert.deepEqual([...(result.value[0]?.nodeIds ?? [])].sort(), ['a1', 'a2', 'b1']);
  });

  test('ignores nodes that are not up and fails below the replication factor', () => {
    const context = testContext();
    let state = clusterWith(context, ['n1', 'n2', 'n3', 'n4']);
    state = applyOk(state, { type: 'drain-node', nodeId: 'n4', nowMs: 2 }, context).state;
    const result = placeNewPartitions(state, 4, context.config);
    assert.ok(result.ok);
    assert.ok(result.value.every((p) => !p.nodeIds.includes('n4')));
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n3', state: 'suspect', nowMs: 3 },
      context,
    ).state;
    assert.equal(placeNewPartitions(state, 1, context.config).ok, false);
  });
});

describe('planMoves', () => {
  const context = testContext({
    initialPartitionsPerTable: 6,
    movesInFlightMax: 3,
    movesPerNodeMax: 3,
  });

  function threeNodeTable(): ControlState {
    return withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
  }

  test('a balanced cluster plans nothing', () => {
    assert.deepEqual(planMoves(threeNodeTable(), context.config), []);
  });

  test('a new node draws replicas until the spread is within bounds, one move per partition', () => {
    let state = threeNodeTable();
    state = withNodes(state, context, ['n4']);
    const moves = planMoves(state, context.config);
    assert.equal(moves.length, 3, 'bounded by movesInFlightMax');
    assert.ok(moves.every((m) => m.toNodeId === 'n4' && m.reason === 'rebalance'));
    assert.equal(new Set(moves.map((m) => m.partitionId)).size, 3);
  });

  test('a replica its node reports stopped is moved off that node, the node staying up', () => {
    let state = threeNodeTable();
    state = withNodes(state, context, ['n4']);
    const [partition] = Object.values(state.partitions).sort((a, b) =>
      a.partitionId < b.partitionId ? -1 : 1,
    );
    assert.ok(partition !== undefined);
    const stopped = new Set([`n2/${partition.partitionId}`]);
    const moves = planMoves(state, context.config, stopped);
    const repair = moves.find((m) => m.partitionId === partition.partitionId);
    assert.deepEqual(
      [repair?.fromNodeId, repair?.toNodeId, repair?.reason],
      ['n2', 'n4', 'repair'],
    );
    // A pair naming a partition that does not exist plans no repair.
    assert.equal(
      planMoves(state, context.config, new Set(['n2/nope'])).some((m) => m.reason === 'repair'),
      false,
    );
  });

  test('a draining node is evacuated before any rebalancing, to up nodes only', () => {
    let state = threeNodeTable();
    state = withNodes(state, context, ['n4', 'n5']);
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n5', state: 'suspect', nowMs: 4 },
      context,
    ).state;
    state = applyOk(state, { type: 'drain-node', nodeId: 'n1', nowMs: 5 }, context).state;
    const moves = planMoves(state, context.config);
    assert.equal(moves.length, 3);
    for (const move of moves) {
      assert.equal(move.fromNodeId, 'n1');
      assert.equal(move.toNodeId, 'n4');
      assert.equal(move.reason, 'drain');
    }
  });

  test('a down node is only evacuated after its replacement is decided', () => {
    let state = withNodes(threeNodeTable(), context, ['n4']);
    state = applyOk(
      state,
      { type: 'set-node-state', nodeId: 'n2', state: 'down', nowMs: 4 },
      context,
    ).state;
    const before = planMoves(state, context.config);
    assert.ok(
      before.every((m) => m.fromNodeId !== 'n2'),
      'no replacement during the grace period',
    );
    assert.ok(before.every((m) => m.reason === 'rebalance'));
    assert.ok(
      before.every((m) => !['n1', 'n3'].includes(m.fromNodeId ?? '') || m.toNodeId === 'n4'),
    );
    state = applyOk(
      state,
      { type: 'replace-node-replicas', nodeId: 'n2', nowMs: 5 },
      context,
    ).state;
    const after = planMoves(state, context.config);
    assert.ok(after.length > 0);
    assert.ok(
      after.every((m) => m.fromNodeId === 'n2' && m.toNodeId === 'n4' && m.reason === 'replace'),
    );
  });

  test('respects moves already in flight and the per-node bound', () => {
    const tight = testContext({
      initialPartitionsPerTable: 6,
      movesInFlightMax: 4,
      movesPerNodeMax: 1,
    });
    let state = withNodes(
      withActiveTable(clusterWith(tight, ['n1', 'n2', 'n3']), tight, 'Music'),
      tight,
      ['n4'],
    );
    const first = planMoves(state, tight.config);
    assert.equal(first.length, 1, 'n4 may take one move at a time');
    const move = first[0];
    assert.ok(move !== undefined);
    state = applyOk(state, { type: 'begin-move', ...move, nowMs: 6 }, tight).state;
    assert.deepEqual(planMoves(state, tight.config), []);
  });

  test('the same state always gives the same plan', () => {
    const state = withNodes(threeNodeTable(), context, ['n4', 'n5']);
    assert.deepEqual(
      planMoves(state, context.config),
      planMoves(structuredClone(state), context.config),
    );
  });
});

describe('planLeaderTransfers', () => {
  const context = testContext({ initialPartitionsPerTable: 6 });

  test('moves leadership off draining nodes and evens out leader counts', () => {
    let state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
    // withActiveTable makes each partition's first replica the leader; concentrate on n1.
    for (const partition of Object.values(state.partitions)) {
      if (!partition.replicas.some((r) => r.nodeId === 'n1')) continue;
      state = applyOk(
        state,
        {
          type: 'mark-partition-leader',
          partitionId: partition.partitionId,
          nodeId: 'n1',
          term: 2,
          nowMs: 3,
        },
        context,
      ).state;
    }
    assert.equal(leaderCountsByNode(state).get('n1'), 6);
    const transfers = planLeaderTransfers(state, context.config, 10);
    const counts = leaderCountsByNode(state);
    for (const t of transfers) {
      counts.set(t.fromNodeId, (counts.get(t.fromNodeId) ?? 0) - 1);
      counts.set(t.toNodeId, (counts.get(t.toNodeId) ?? 0) + 1);
    }
    const values = [...counts.values()];
    assert.ok(Math.max(...values) - Math.min(...values) <= 1, JSON.stringify([...counts]));
    state = applyOk(state, { type: 'drain-node', nodeId: 'n1', nowMs: 4 }, context).state;
    const away = planLeaderTransfers(state, context.config, 10);
    assert.equal(away.filter((t) => t.fromNodeId === 'n1').length, 6);
    assert.equal(planLeaderTransfers(state, context.config, 2).length, 2, 'bounded by the limit');
    assert.equal(replicaCountsByNode(state).get('n1'), 6);
  });
});

describe('data balance', () => {
  test('the rebalance move picks the partition that best evens out bytes', () => {
    const context = testContext({ initialPartitionsPerTable: 6, movesInFlightMax: 1 });
    let state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
    const sizes = [10, 20, 300, 40, 50, 60];
    state = applyOk(
      state,
      {
        type: 'record-partition-stats',
        reports: Object.values(state.partitions)
          .sort((a, b) => (a.partitionId < b.partitionId ? -1 : 1))
          .map((p, index) => ({
            partitionId: p.partitionId,
            epoch: p.epoch,
            sizeBytes: sizes[index] ?? 0,
            itemCount: 1,
          })),
        nowMs: 3,
      },
      context,
    ).state;
    state = withNodes(state, context, ['n4']);
    const [move] = planMoves(state, context.config);
    assert.ok(move !== undefined);
    // Every node holds all 480 bytes; half the gap to the empty n4 is 240: the 300-byte one.
    assert.equal(state.partitions[move.partitionId]?.sizeBytes, 300);
  });
});
