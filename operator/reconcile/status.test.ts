import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusInput } from './status.js';
import { buildStatus } from './status.js';

const base: StatusInput = {
  generation: 4,
  version: '2.0.0',
  previous: undefined,
  nowIso: '2026-01-01T00:00:00.000Z',
  labelSelector: 'a=b',
  storageReplicas: 3,
  storageReadyReplicas: 3,
  desiredStorageReplicas: 3,
  componentsReady: true,
  drainingNodes: [],
};

test('ready when nothing progresses and nothing is degraded', () => {
  const status = buildStatus(base);
  assert.deepEqual(
    status.conditions?.map((condition) => [condition.type, condition.status, condition.reason]),
    [
      ['Ready', 'True', 'AllReplicasReady'],
      ['Progressing', 'False', 'Stable'],
      ['Degraded', 'False', 'AsExpected'],
    ],
  );
  assert.equal(status.observedGeneration, 4);
  assert.equal(status.currentVersion, '2.0.0');
  assert.equal(status.phase, 'Running');
});

test('degraded carries its reason into Ready, and transition times move only on a status change', () => {
  const first = buildStatus({ ...base, degraded: { reason: 'UnsafeScaleDown', message: 'why' } });
  const ready = first.conditions?.find((condition) => condition.type === 'Ready');
  assert.deepEqual(
    [ready?.status, ready?.reason, ready?.message],
    ['False', 'UnsafeScaleDown', 'why'],
  );
  const later = buildStatus({
    ...base,
    previous: first,
    nowIso: '2026-01-01T00:05:00.000Z',
    degraded: { reason: 'UnsafeScaleDown', message: 'still' },
  });
  const degraded = later.conditions?.find((condition) => condition.type === 'Degraded');
  assert.equal(degraded?.lastTransitionTime, '2026-01-01T00:00:00.000Z');
  const fixed = buildStatus({ ...base, previous: later, nowIso: '2026-01-01T00:09:00.000Z' });
  assert.equal(
    fixed.conditions?.find((condition) => condition.type === 'Degraded')?.lastTransitionTime,
    '2026-01-01T00:09:00.000Z',
  );
});

test('the current version stays until a pass finds everything ready', () => {
  const upgrading = buildStatus({
    ...base,
    previous: { currentVersion: '1.0.0' },
    progress: { reason: 'RollingUpgrade', message: 'upgrading demo-storage-2' },
  });
  assert.equal(upgrading.currentVersion, '1.0.0');
  assert.equal(upgrading.phase, 'RollingUpgrade');
});

test('not Ready while the control plane reports unhealthy partitions; the version waits too', () => {
  const status = buildStatus({
    ...base,
    previous: { currentVersion: '1.0.0' },
    unhealthyPartitions: { underReplicated: 2, leaderless: 1, lagging: 3 },
  });
  const ready = status.conditions?.find((condition) => condition.type === 'Ready');
  assert.deepEqual(
    [ready?.status, ready?.reason, ready?.message],
    [
      'False',
      'PartitionsUnhealthy',
      'the control plane reports 2 under-replicated, 1 leaderless and 3 lagging partitions',
    ],
  );
  assert.equal(status.currentVersion, '1.0.0');
  const healthy = buildStatus({
    ...base,
    unhealthyPartitions: { underReplicated: 0, leaderless: 0, lagging: 0 },
  });
  assert.equal(healthy.conditions?.[0]?.status, 'True');
  const catchingUp = buildStatus({
    ...base,
    unhealthyPartitions: { underReplicated: 0, leaderless: 0, lagging: 1 },
  });
  assert.equal(catchingUp.conditions?.[0]?.status, 'False', 'a lagging replica is not Ready');
});
