import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ControlState, MovePhase } from '../state.js';
import { votersOf } from '../state.js';
import { applyFail, applyOk, clusterWith, testContext, withActiveTable } from '../test-support.js';

const context = testContext({
  initialPartitionsPerTable: 2,
  movesInFlightMax: 2,
  movesPerNodeMax: 1,
});

/** Three nodes hold every replica of Music; n4 and n5 are empty. */
function setup(): { state: ControlState; partitionId: string } {
  let state = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
  state = applyOk(
    state,
    { type: 'register-node', nodeId: 'n4', address: 'n4', zone: null, nowMs: 3 },
    context,
  ).state;
  state = applyOk(
    state,
    { type: 'set-node-state', nodeId: 'n4', state: 'up', nowMs: 3 },
    context,
  ).state;
  state = applyOk(
    state,
    { type: 'register-node', nodeId: 'n5', address: 'n5', zone: null, nowMs: 3 },
    context,
  ).state;
  state = applyOk(
    state,
    { type: 'set-node-state', nodeId: 'n5', state: 'up', nowMs: 3 },
    context,
  ).state;
  return { state, partitionId: 'p1' };
}

describe('begin-move', () => {
  const refusals: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['unknown partition', { partitionId: 'p99' }, 'PartitionNotFound'],
    ['unknown target', { toNodeId: 'n9' }, 'NodeNotFound'],
    ['target already a replica', { toNodeId: 'n2' }, 'InvalidMove'],
    ['source not a replica', { fromNodeId: 'n5' }, 'InvalidMove'],
  ];
  for (const [name, override, code] of refusals) {
    test(`refuses ${name}`, () => {
      const { state, partitionId } = setup();
      const command = {
        type: 'begin-move',
        partitionId,
        fromNodeId: 'n1',
        toNodeId: 'n4',
        reason: 'rebalance',
        nowMs: 5,
        ...override,
      } as const;
      assert.equal(applyFail(state, command as never, context).code, code);
    });
  }

  test('refuses a target that is not up', () => {
    const { state, partitionId } = setup();
    const drained = applyOk(state, { type: 'drain-node', nodeId: 'n4', nowMs: 4 }, context).state;
    const error = applyFail(
      drained,
      {
        type: 'begin-move',
        partitionId,
        fromNodeId: 'n1',
        toNodeId: 'n4',
        reason: 'rebalance',
        nowMs: 5,
      },
      context,
    );
    assert.equal(error.code, 'InvalidMove');
  });

  test('one move per partition, per-node and global bounds are enforced by the state machine', () => {
    const { state } = setup();
    const first = applyOk(
      state,
      {
        type: 'begin-move',
        partitionId: 'p1',
        fromNodeId: 'n1',
        toNodeId: 'n4',
        reason: 'rebalance',
        nowMs: 5,
      },
      context,
    );
    assert.equal(first.value.phase, 'adding-learner');
    assert.equal(
      first.state.partitions.p1,
      state.partitions.p1,
      'the replica set does not change yet',
    );
    assert.equal(
      applyFail(
        first.state,
        {
          type: 'begin-move',
          partitionId: 'p1',
          fromNodeId: 'n2',
          toNodeId: 'n5',
          reason: 'rebalance',
          nowMs: 5,
        },
        context,
      ).code,
      'MoveConflict',
    );
    assert.equal(
      applyFail(
        first.state,
        {
          type: 'begin-move',
          partitionId: 'p2',
          fromNodeId: 'n2',
          toNodeId: 'n4',
          reason: 'rebalance',
          nowMs: 5,
        },
        context,
      ).code,
      'MoveLimitReached',
    );
    const second = applyOk(
      first.state,
      {
        type: 'begin-move',
        partitionId: 'p2',
        fromNodeId: 'n2',
        toNodeId: 'n5',
        reason: 'rebalance',
        nowMs: 5,
      },
      context,
    );
    const third = {
      type: 'create-table',
      tableId: 'id-B',
      input: {
        TableName: 'Bbb',
        KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
      nowMs: 6,
    } as const;
    const withB = applyOk(
      second.state,
      third,
      testContext({ initialPartitionsPerTable: 2, movesInFlightMax: 2, movesPerNodeMax: 1 }),
    ).state;
    const holders = (withB.partitions.p3?.replicas ?? []).map((r) => r.nodeId);
    const free = ['n1', 'n2', 'n3', 'n4', 'n5'].find((id) => !holders.includes(id)) ?? '';
    const error = applyFail(
      withB,
      {
        type: 'begin-move',
        partitionId: 'p3',
        fromNodeId: null,
        toNodeId: free,
        reason: 'repair',
        nowMs: 7,
      },
      context,
    );
    assert.equal(error.code, 'MoveLimitReached');
  });
});

describe('advance, finish and abort', () => {
  test('the full protocol adds a learner, promotes it and removes the source, bumping the map epoch only', () => {
    const { state } = setup();
    let current = applyOk(
      state,
      {
        type: 'begin-move',
        partitionId: 'p1',
        fromNodeId: 'n1',
        toNodeId: 'n4',
        reason: 'drain',
        nowMs: 5,
      },
      context,
    ).state;
    const rangeEpoch = current.partitions.p1?.epoch;
    const mapEpochs: number[] = [current.mapEpoch];
    const expectations: ReadonlyArray<readonly [Exclude<MovePhase, 'adding-learner'>, string]> = [
      ['catching-up', 'n1:voter n2:voter n3:voter n4:learner'],
      ['promoting', 'n1:voter n2:voter n3:voter n4:learner'],
      ['removing', 'n1:voter n2:voter n3:voter n4:voter'],
    ];
    for (const [phase, replicas] of expectations) {
      const step = applyOk(
        current,
        { type: 'advance-move', moveId: 'm1', phase, nowMs: 6 },
        context,
      );
      current = step.state;
      assert.equal(step.value.phase, phase);
      const shown = (current.partitions.p1?.replicas ?? [])
        .map((r) => `${r.nodeId}:${r.role}`)
        .sort()
        .join(' ');
      assert.equal(shown, replicas);
      mapEpochs.push(current.mapEpoch);
      assert.equal(
        current.partitions.p1?.epoch,
        rangeEpoch,
        'a replica change keeps the range epoch',
      );
      const duplicate = applyOk(
        current,
        { type: 'advance-move', moveId: 'm1', phase, nowMs: 7 },
        context,
      );
      assert.equal(duplicate.state, current, 're-proposing the current phase is a no-op');
    }
    assert.equal(
      applyFail(current, { type: 'abort-move', moveId: 'm1', reason: 'x', nowMs: 8 }, context).code,
      'InvalidMove',
    );
    const finished = applyOk(current, { type: 'finish-move', moveId: 'm1', nowMs: 8 }, context);
    assert.deepEqual(votersOf(finished.value).sort(), ['n2', 'n3', 'n4']);
    assert.equal(finished.value.leaderNodeId, null, 'the leader hint pointed at the removed node');
    assert.equal(finished.value.epoch, rangeEpoch, 'the storage node counts splits only, too');
    mapEpochs.push(finished.state.mapEpoch);
    assert.deepEqual(
      mapEpochs,
      [...mapEpochs].sort((a, b) => a - b),
    );
    assert.equal(
      new Set(mapEpochs).size,
      4,
      'learner added, voters changed and source removed each bump the map epoch',
    );
    assert.deepEqual(finished.state.moves, {});
  });

  test('phases cannot be skipped and finish needs removing', () => {
    const { state } = setup();
    const begun = applyOk(
      state,
      {
        type: 'begin-move',
        partitionId: 'p1',
        fromNodeId: 'n1',
        toNodeId: 'n4',
        reason: 'drain',
        nowMs: 5,
      },
      context,
    ).state;
    assert.equal(
      applyFail(begun, { type: 'advance-move', moveId: 'm1', phase: 'removing', nowMs: 6 }, context)
        .code,
      'InvalidMove',
    );
    assert.equal(
      applyFail(begun, { type: 'finish-move', moveId: 'm1', nowMs: 6 }, context).code,
      'InvalidMove',
    );
    assert.equal(
      applyFail(
        begun,
        { type: 'advance-move', moveId: 'm9', phase: 'catching-up', nowMs: 6 },
        context,
      ).code,
      'MoveNotFound',
    );
  });

  for (const phase of ['adding-learner', 'catching-up', 'promoting'] as const) {
    test(`abort in ${phase} restores the replica set exactly`, () => {
      const { state } = setup();
      let current = applyOk(
        state,
        {
          type: 'begin-move',
          partitionId: 'p1',
          fromNodeId: 'n1',
          toNodeId: 'n4',
          reason: 'drain',
          nowMs: 5,
        },
        context,
      ).state;
      for (const next of ['catching-up', 'promoting'] as const) {
        if (phase === 'adding-learner' || (phase === 'catching-up' && next === 'promoting')) break;
        current = applyOk(
          current,
          { type: 'advance-move', moveId: 'm1', phase: next, nowMs: 6 },
          context,
        ).state;
      }
      const aborted = applyOk(
        current,
        { type: 'abort-move', moveId: 'm1', reason: 'test', nowMs: 7 },
        context,
      ).state;
      assert.deepEqual(aborted.partitions.p1?.replicas, state.partitions.p1?.replicas);
      assert.equal(aborted.partitions.p1?.epoch, state.partitions.p1?.epoch);
      assert.ok(aborted.mapEpoch >= state.mapEpoch);
      assert.deepEqual(aborted.moves, {});
    });
  }

  test('a repair move with no source only adds a voter', () => {
    const { state } = setup();
    let current = applyOk(
      state,
      {
        type: 'begin-move',
        partitionId: 'p1',
        fromNodeId: null,
        toNodeId: 'n4',
        reason: 'repair',
        nowMs: 5,
      },
      context,
    ).state;
    for (const phase of ['catching-up', 'promoting', 'removing'] as const) {
      current = applyOk(
        current,
        { type: 'advance-move', moveId: 'm1', phase, nowMs: 6 },
        context,
      ).state;
    }
    const finished = applyOk(current, { type: 'finish-move', moveId: 'm1', nowMs: 7 }, context);
    assert.deepEqual(votersOf(finished.value).sort(), ['n1', 'n2', 'n3', 'n4']);
  });
});
