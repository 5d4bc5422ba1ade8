import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterNames } from '../api/names.js';
import { resolveSpec } from '../api/types.js';
import type { ClusterStatus, NodeState } from '../control/admin.js';
import { checkSpec } from './safety.js';
import type { ObservedStorageSet } from './storage-plan.js';
import { planStorage } from './storage-plan.js';

const names = clusterNames('demo', 'db');

function set(fields: Partial<ObservedStorageSet> = {}): ObservedStorageSet {
  return {
    replicas: 3,
    partition: 0,
    templateHash: 'h1',
    generation: 1,
    observedGeneration: 1,
    readyReplicas: 3,
    updatedReplicas: 3,
    ...fields,
  };
}

function status(
  nodes: [number, NodeState, number][],
  health: Partial<ClusterStatus> = {},
): ClusterStatus {
  return {
    nodes: nodes.map(([ordinal, state, replicas]) => ({
      nodeId: `demo-storage-${ordinal}`,
      state,
      replicas,
      leaders: 0,
    })),
    partitions: 8,
    underReplicatedPartitions: 0,
    leaderlessPartitions: 0,
    laggingPartitions: 0,
    blockedEvacuations: [],
    ...health,
  };
}

const healthy5 = status([
  [0, 'alive', 5],
  [1, 'alive', 5],
  [2, 'alive', 5],
  [3, 'alive', 5],
  [4, 'alive', 5],
]);

test('no StatefulSet yet: create with every pod on the new template', () => {
  const plan = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h1',
    existing: undefined,
    clusterStatus: undefined,
  });
  assert.deepEqual(
    [plan.replicas, plan.partition, plan.applyTemplate, plan.progress?.reason],
    [3, 0, true, 'Creating'],
  );
});

test('steady state: nothing to do', () => {
  const plan = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h1',
    existing: set(),
    clusterStatus: undefined,
  });
  assert.deepEqual(
    [plan.replicas, plan.partition, plan.applyTemplate, plan.progress],
    [3, 0, false, undefined],
  );
});

test('the StatefulSet controller has not caught up: wait', () => {
  const plan = planStorage({
    names,
    desiredReplicas: 5,
    desiredTemplateHash: 'h1',
    existing: set({ generation: 2 }),
    clusterStatus: undefined,
  });
  assert.equal(plan.replicas, 3);
  assert.equal(plan.progress?.reason, 'WaitingForPods');
});

test('scale up: grow at once, and release any volume of the new ordinals first', () => {
  const plan = planStorage({
    names,
    desiredReplicas: 5,
    desiredTemplateHash: 'h1',
    existing: set(),
    clusterStatus: undefined,
  });
  assert.equal(plan.replicas, 5);
  assert.deepEqual(plan.growOnlyWithoutClaims, [3, 4]);
  assert.equal(plan.progress?.reason, 'ScalingUp');
});

test('scale down: drain the leaving ordinals, shrink only once they hold nothing', () => {
  const existing = set({ replicas: 5, readyReplicas: 5, updatedReplicas: 5 });
  const first = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h1',
    existing,
    clusterStatus: healthy5,
  });
  assert.deepEqual(
    [first.replicas, first.drain, first.progress?.reason],
    [5, ['demo-storage-3', 'demo-storage-4'], 'Draining'],
  );
  const during = status([
    [0, 'alive', 7],
    [1, 'alive', 7],
    [2, 'alive', 7],
    [3, 'draining', 2],
    [4, 'drained', 0],
  ]);
  const second = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h1',
    existing,
    clusterStatus: during,
  });
  assert.deepEqual([second.replicas, second.drain, second.draining], [5, [], ['demo-storage-3']]);
  const done = status([
    [0, 'alive', 8],
    [1, 'alive', 8],
    [2, 'alive', 9],
    [3, 'drained', 0],
    [4, 'drained', 0],
  ]);
  const third = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h1',
    existing,
    clusterStatus: done,
  });
  assert.deepEqual(
    [third.replicas, third.releaseClaimOrdinals, third.progress?.reason],
    [3, [3, 4], 'ScalingDown'],
  );
});

test('scale down without a reachable control plane waits', () => {
  const plan = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h1',
    existing: set({ replicas: 4 }),
    clusterStatus: undefined,
  });
  assert.deepEqual([plan.replicas, plan.progress?.reason], [4, 'WaitingForControlPlane']);
});

test('rolling upgrade: hold every pod, then release one ordinal at a time while healthy', () => {
  const start = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h2',
    existing: set(),
    clusterStatus: undefined,
  });
  assert.deepEqual([start.applyTemplate, start.partition], [true, 3]);
  const first = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h2',
    existing: set({ templateHash: 'h2', partition: 3, updatedReplicas: 0 }),
    clusterStatus: healthy5,
  });
  assert.equal(first.partition, 2);
  const unhealthy = status([[0, 'alive', 5]], { leaderlessPartitions: 1 });
  const held = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h2',
    existing: set({ templateHash: 'h2', partition: 2, updatedReplicas: 1 }),
    clusterStatus: unhealthy,
  });
  assert.equal(held.partition, 2);
  assert.match(held.progress?.message ?? '', /1 leaderless/);
  // A restarted node is up but its replicas have not caught up: the next pod waits.
  const catchingUp = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h2',
    existing: set({ templateHash: 'h2', partition: 2, updatedReplicas: 1 }),
    clusterStatus: status([[0, 'alive', 5]], { laggingPartitions: 2 }),
  });
  assert.equal(catchingUp.partition, 2);
  assert.match(catchingUp.progress?.message ?? '', /2 lagging/);
  const notReady = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h2',
    existing: set({ templateHash: 'h2', partition: 2, updatedReplicas: 1, readyReplicas: 2 }),
    clusterStatus: healthy5,
  });
  assert.equal(notReady.partition, 2);
  const last = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h2',
    existing: set({ templateHash: 'h2', partition: 1, updatedReplicas: 2 }),
    clusterStatus: healthy5,
  });
  assert.equal(last.partition, 0);
});

test('checkSpec refuses unsafe specs and accepts safe ones', () => {
  const spec = (storage: number, extra: object = {}) =>
    resolveSpec({ version: '1', storage: { replicas: storage }, ...extra });
  assert.equal(checkSpec(spec(2), names, {})?.reason, 'InsufficientStorageReplicas');
  assert.equal(checkSpec(spec(3), names, {}), undefined);
  assert.equal(
    checkSpec(spec(3, { controlPlane: { replicas: 2 } }), names, {})?.reason,
    'InvalidControlPlaneReplicas',
  );
  assert.equal(
    checkSpec(spec(3, { controlPlane: { replicas: 1 } }), names, { controlPlaneReplicas: 3 })
      ?.reason,
    'ControlPlaneQuorumLoss',
  );
  assert.equal(
    checkSpec(spec(3, { controlPlane: { replicas: 3 } }), names, { controlPlaneReplicas: 5 }),
    undefined,
  );
  assert.equal(
    checkSpec(spec(3), names, { appliedReplicationFactor: 5 })?.reason,
    'ImmutableFieldChanged',
  );
  assert.equal(
    checkSpec(spec(3), names, { appliedStorageSize: '5Gi' })?.reason,
    'ImmutableFieldChanged',
  );
  const oneDead = status([
    [0, 'alive', 5],
    [1, 'dead', 5],
    [2, 'alive', 5],
    [3, 'alive', 5],
  ]);
  assert.equal(
    checkSpec(spec(3), names, { storageReplicas: 4, clusterStatus: oneDead })?.reason,
    'UnsafeScaleDown',
  );
  assert.equal(
    checkSpec(spec(4), names, { storageReplicas: 5, clusterStatus: oneDead }),
    undefined,
  );
  // A dead node among the leaving ones does not block: its replicas are re-created elsewhere.
  const leavingDead = status([
    [0, 'alive', 5],
    [1, 'alive', 5],
    [2, 'alive', 5],
    [3, 'dead', 5],
  ]);
  assert.equal(
    checkSpec(spec(3), names, { storageReplicas: 4, clusterStatus: leavingDead }),
    undefined,
  );
});

test('a decommissioned node counts as drained for a shrink and is never asked to cancel', () => {
  const shrink = planStorage({
    names,
    desiredReplicas: 3,
    desiredTemplateHash: 'h1',
    existing: set({ replicas: 4 }),
    clusterStatus: status([
      [0, 'alive', 4],
      [1, 'alive', 4],
      [2, 'alive', 4],
      [3, 'decommissioned', 0],
    ]),
  });
  assert.deepEqual([shrink.replicas, shrink.drain], [3, []]);
  // Scaled back up: the old id was retired for good; cancelling its drain would be refused.
  const regrow = planStorage({
    names,
    desiredReplicas: 4,
    desiredTemplateHash: 'h1',
    existing: set({ replicas: 3 }),
    clusterStatus: status([
      [0, 'alive', 4],
      [1, 'alive', 4],
      [2, 'alive', 4],
      [3, 'decommissioned', 0],
    ]),
  });
  assert.deepEqual([regrow.replicas, regrow.cancelDrain], [4, []]);
});

test('node ids with volume incarnations: every incarnation at a leaving ordinal is drained', () => {
  const incarnations = (nodes: [string, NodeState, number][]): ClusterStatus => ({
    nodes: nodes.map(([nodeId, state, replicas]) => ({ nodeId, state, replicas, leaders: 0 })),
    partitions: 4,
    underReplicatedPartitions: 0,
    leaderlessPartitions: 0,
    laggingPartitions: 0,
    blockedEvacuations: [],
  });
  const plan = (clusterStatus: ClusterStatus) =>
    planStorage({
      names,
      desiredReplicas: 3,
      desiredTemplateHash: 'h1',
      existing: set({ replicas: 4 }),
      clusterStatus,
    });
  const cluster = [
    ['demo-storage-0.0a0a0a0a', 'alive', 3],
    ['demo-storage-1.1b1b1b1b', 'alive', 3],
    ['demo-storage-2.2c2c2c2c', 'alive', 3],
    // An earlier scale-down retired the first incarnation of ordinal 3.
    ['demo-storage-3.3d3d3d3d', 'decommissioned', 0],
  ] as [string, NodeState, number][];
  const holding = plan(incarnations([...cluster, ['demo-storage-3.4e4e4e4e', 'alive', 3]]));
  assert.deepEqual(
    [holding.replicas, holding.drain, holding.draining],
    [4, ['demo-storage-3.4e4e4e4e'], ['demo-storage-3.4e4e4e4e']],
  );
  const emptied = plan(incarnations([...cluster, ['demo-storage-3.4e4e4e4e', 'drained', 0]]));
  assert.deepEqual([emptied.replicas, emptied.releaseClaimOrdinals], [3, [3]]);
});
