import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitChildId } from '../splits.js';
import { bigIntToHash, hashToBigInt } from '../hash-space.js';
import { partitionsOfTable } from '../state.js';
import type { ControlState } from '../state.js';
import {
  applyFail,
  applyOk,
  clusterWith,
  tableInput,
  testContext,
  withActiveTable,
} from '../test-support.js';

const context = testContext({ initialPartitionsPerTable: 1, partitionsPerTableMax: 3 });

function active(): ControlState {
  return withActiveTable(clusterWith(context, ['n1', 'n2', 'n3', 'n4']), context, 'Music');
}

const quarter = bigIntToHash(1n << 126n);
const half = bigIntToHash(1n << 127n);

describe('split-partition', () => {
  test('keeps the id for the left half, shares replicas and leader, bumps both epochs', () => {
    let state = active();
    state = applyOk(
      state,
      {
        type: 'record-partition-stats',
        reports: [{ partitionId: 'p1', epoch: 1, sizeBytes: 1000, itemCount: 10 }],
        nowMs: 3,
      },
      context,
    ).state;
    const before = state.partitions.p1;
    const { state: after, value } = applyOk(
      state,
      {
        type: 'split-partition',
        partitionId: 'p1',
        expectedEpoch: 1,
        newPartitionId: splitChildId('p1', 2),
        reason: 'size',
        splitHash: half,
        leftFraction: 0.3,
        nowMs: 4,
      },
      context,
    );
    assert.equal(value.left.partitionId, 'p1');
    assert.equal(value.left.end, half);
    assert.equal(value.right.start, half);
    assert.equal(value.right.end, null);
    assert.equal(value.left.epoch, 2);
    assert.equal(value.right.epoch, 2);
    assert.deepEqual(value.right.replicas, before?.replicas);
    assert.equal(value.right.leaderNodeId, before?.leaderNodeId);
    assert.equal(value.left.sizeBytes + value.right.sizeBytes, 1000);
    assert.equal(value.left.sizeBytes, 300);
    assert.equal(partitionsOfTable(after, 'id-Music').length, 2);
    assert.ok(after.mapEpoch > state.mapEpoch);
  });

  const refusals: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['a stale epoch', { expectedEpoch: 7 }, 'StaleReport'],
    ['the range start', { splitHash: '0'.repeat(32) }, 'InvalidSplit'],
    ['a malformed hash', { splitHash: 'xyz' }, 'InvalidSplit'],
    ['an unknown partition', { partitionId: 'p77' }, 'PartitionNotFound'],
  ];
  for (const [name, override, code] of refusals) {
    test(`refuses ${name}`, () => {
      const command = {
        type: 'split-partition',
        partitionId: 'p1',
        expectedEpoch: 1,
        newPartitionId: splitChildId('p1', 2),
        reason: 'size',
        splitHash: half,
        leftFraction: 0.5,
        nowMs: 4,
        ...override,
      };
      assert.equal(applyFail(active(), command as never, context).code, code);
    });
  }

  test('refuses a point outside the range, a partition with a move, a CREATING table and the partition limit', () => {
    let state = active();
    state = applyOk(
      state,
      {
        type: 'split-partition',
        partitionId: 'p1',
        expectedEpoch: 1,
        newPartitionId: splitChildId('p1', 2),
        reason: 'size',
        splitHash: half,
        leftFraction: 0.5,
        nowMs: 4,
      },
      context,
    ).state;
    const outside = applyFail(
      state,
      {
        type: 'split-partition',
        partitionId: 'p1',
        expectedEpoch: 2,
        newPartitionId: splitChildId('p1', 3),
        reason: 'size',
        splitHash: half,
        leftFraction: 0.5,
        nowMs: 5,
      },
      context,
    );
    assert.match(outside.message, /not strictly inside/);
    const holders = (state.partitions.p1?.replicas ?? []).map((r) => r.nodeId);
    const free = ['n1', 'n2', 'n3', 'n4'].find((id) => !holders.includes(id)) ?? '';
    const moving = applyOk(
      state,
      {
        type: 'begin-move',
        partitionId: 'p1',
        fromNodeId: holders[0] ?? '',
        toNodeId: free,
        reason: 'rebalance',
        nowMs: 5,
      },
      context,
    ).state;
    assert.match(
      applyFail(
        moving,
        {
          type: 'split-partition',
          partitionId: 'p1',
          expectedEpoch: 2,
          newPartitionId: splitChildId('p1', 3),
          reason: 'size',
          splitHash: quarter,
          leftFraction: 0.5,
          nowMs: 6,
        },
        context,
      ).message,
      /move in flight/,
    );
    const third = applyOk(
      state,
      {
        type: 'split-partition',
        partitionId: 'p1',
        expectedEpoch: 2,
        newPartitionId: splitChildId('p1', 3),
        reason: 'size',
        splitHash: quarter,
        leftFraction: 0.5,
        nowMs: 6,
      },
      context,
    ).state;
    const rightId =
      Object.keys(third.partitions).find((id) => third.partitions[id]?.start === half) ?? '';
    const limit = applyFail(
      third,
      {
        type: 'split-partition',
        partitionId: rightId,
        expectedEpoch: 2,
        newPartitionId: splitChildId(rightId, 3),
        reason: 'size',
        splitHash: bigIntToHash(hashToBigInt(half) + 5n),
        leftFraction: 0.5,
        nowMs: 7,
      },
      context,
    );
    assert.match(limit.message, /limit 3/);
    const creating = applyOk(
      clusterWith(context, ['n1', 'n2', 'n3']),
      { type: 'create-table', tableId: 't', input: tableInput('New'), nowMs: 1 },
      context,
    ).state;
    assert.equal(
      applyFail(
        creating,
        {
          type: 'split-partition',
          partitionId: 'p1',
          expectedEpoch: 1,
          newPartitionId: splitChildId('p1', 2),
          reason: 'size',
          splitHash: half,
          leftFraction: 0.5,
          nowMs: 2,
        },
        context,
      ).code,
      'InvalidSplit',
    );
  });
});

describe('mark-partition-leader and record-partition-stats', () => {
  test('higher terms win, older terms and non-voters are stale, repeats are no-ops', () => {
    const state = active();
    const voters = (state.partitions.p1?.replicas ?? []).map((r) => r.nodeId);
    const second = voters[1] ?? '';
    const newer = applyOk(
      state,
      { type: 'mark-partition-leader', partitionId: 'p1', nodeId: second, term: 5, nowMs: 3 },
      context,
    );
    assert.equal(newer.value.leaderNodeId, second);
    assert.equal(newer.value.leaderTerm, 5);
    assert.equal(
      applyFail(
        newer.state,
        {
          type: 'mark-partition-leader',
          partitionId: 'p1',
          nodeId: voters[0] ?? '',
          term: 4,
          nowMs: 4,
        },
        context,
      ).code,
      'StaleReport',
    );
    const outsider = ['n1', 'n2', 'n3', 'n4'].find((id) => !voters.includes(id)) ?? '';
    assert.equal(
      applyFail(
        newer.state,
        { type: 'mark-partition-leader', partitionId: 'p1', nodeId: outsider, term: 9, nowMs: 4 },
        context,
      ).code,
      'StaleReport',
    );
    const repeat = applyOk(
      newer.state,
      { type: 'mark-partition-leader', partitionId: 'p1', nodeId: second, term: 5, nowMs: 5 },
      context,
    );
    assert.equal(repeat.state, newer.state);
  });

  test('stats for an old epoch, negative figures or unknown partitions are dropped; batches are bounded', () => {
    const state = active();
    const { state: after, value } = applyOk(
      state,
      {
        type: 'record-partition-stats',
        reports: [
          { partitionId: 'p1', epoch: 1, sizeBytes: 10, itemCount: 1 },
          { partitionId: 'p1', epoch: 0, sizeBytes: 99, itemCount: 9 },
          { partitionId: 'p9', epoch: 1, sizeBytes: 99, itemCount: 9 },
          { partitionId: 'p1', epoch: 1, sizeBytes: -1, itemCount: 9 },
        ],
        nowMs: 3,
      },
      context,
    );
    assert.equal(value, 1);
    assert.equal(after.partitions.p1?.sizeBytes, 10);
    const reports = Array.from({ length: 1001 }, () => ({
      partitionId: 'p1',
      epoch: 1,
      sizeBytes: 1,
      itemCount: 1,
    }));
    assert.equal(
      applyFail(state, { type: 'record-partition-stats', reports, nowMs: 3 }, context).code,
      'MalformedCommand',
    );
  });
});
