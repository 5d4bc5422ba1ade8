import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  PartitionMapFeed,
  applyPartitionMapChange,
  buildPartitionMap,
  diffPartitionMaps,
} from './partition-map.js';
import { splitChildId } from './splits.js';
import { bigIntToHash } from './hash-space.js';
import { applyOk, clusterWith, testContext, withActiveTable } from './test-support.js';

const context = testContext({ initialPartitionsPerTable: 2 });

describe('partition map', () => {
  test('a diff applied to the old snapshot gives the new one', () => {
    const before = withActiveTable(clusterWith(context, ['n1', 'n2', 'n3']), context, 'Music');
    let after = applyOk(
      before,
      {
        type: 'split-partition',
        partitionId: 'p1',
        expectedEpoch: 1,
        newPartitionId: splitChildId('p1', 2),
        reason: 'size',
        splitHash: bigIntToHash(1n << 120n),
        leftFraction: 0.5,
        nowMs: 5,
      },
      context,
    ).state;
    after = applyOk(after, { type: 'delete-table', tableName: 'Music', nowMs: 6 }, context).state;
    after = withActiveTable(after, context, 'Other');
    after = applyOk(after, { type: 'drop-table', tableId: 'id-Music', nowMs: 7 }, context).state;
    const change = diffPartitionMaps(buildPartitionMap(before), buildPartitionMap(after));
    assert.deepEqual(change.removedTableIds, ['id-Music']);
    assert.deepEqual(change.removedPartitionIds, ['p1', 'p2']);
    assert.deepEqual(
      applyPartitionMapChange(buildPartitionMap(before), change),
      buildPartitionMap(after),
    );
  });

  test('the feed sends a snapshot on subscribe, then changes with growing epochs, and resumes', () => {
    let state = clusterWith(context, ['n1', 'n2', 'n3']);
    const feed = new PartitionMapFeed(state, 3);
    const first = feed.subscribe();
    assert.equal(first.kind, 'snapshot');
    let routerView = first.kind === 'snapshot' ? first.snapshot : buildPartitionMap(state);
    const epochs: number[] = [routerView.epoch];
    for (const name of ['Aaa', 'Bbb']) {
      state = withActiveTable(state, context, name);
      const change = feed.publish(state);
      assert.ok(change !== null);
      routerView = applyPartitionMapChange(routerView, change);
      epochs.push(change.epoch);
    }
    assert.deepEqual(routerView, buildPartitionMap(state));
    assert.deepEqual(
      epochs,
      [...epochs].sort((a, b) => a - b),
    );
    assert.equal(new Set(epochs).size, epochs.length, 'each change has a new epoch');
    assert.equal(feed.publish(state), null, 'nothing new, nothing sent');
    const resumed = feed.subscribe(epochs[1]);
    assert.equal(resumed.kind, 'changes');
    assert.equal(resumed.kind === 'changes' ? resumed.changes.length : -1, 1);
    assert.deepEqual(feed.subscribe(state.mapEpoch), { kind: 'changes', changes: [] });
    for (const name of ['Ccc', 'Ddd', 'Eee']) {
      state = withActiveTable(state, context, name);
      feed.publish(state);
    }
    assert.equal(
      feed.subscribe(epochs[0]).kind,
      'snapshot',
      'history is bounded; old epochs get a snapshot',
    );
    assert.equal(
      feed.subscribe(state.mapEpoch + 10).kind,
      'snapshot',
      'an epoch from the future gets a snapshot',
    );
    assert.throws(() => feed.publish(clusterWith(context, ['n1'])), /went back/);
  });
});
