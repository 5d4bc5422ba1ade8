import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Condition, TesseraClusterSpec, TesseraClusterStatus } from '../api/types.js';
import { clusterFinalizer } from '../api/types.js';
import { FakeControlPlaneAdmin } from '../control/fake-admin.js';
import type { KubeClient } from '../kube/client.js';
import { KubeApiError, createKubeClient, kubeConfigFor } from '../kube/client.js';
import type { FakeApiServer, StoredObject } from '../testing/fake-api-server.js';
import { startFakeApiServer } from '../testing/fake-api-server.js';
import { settleDeployment, settleStatefulSet } from '../testing/simulate.js';
import type { ReconcilerDeps } from './pass.js';
import { reconcileCluster } from './reconciler.js';
import { retiredClaimLabel } from './storage-step.js';

const ns = 'tessera';
const name = 'demo';
let api: FakeApiServer;
let kube: KubeClient;
let admin: FakeControlPlaneAdmin;
let deps: ReconcilerDeps;
let nowMs = Date.parse('2026-01-01T00:00:00Z');

before(async () => {
  api = await startFakeApiServer({ serviceMonitorCrd: true });
  kube = createKubeClient(kubeConfigFor(api.url, ns));
});
after(() => api.close());

beforeEach(() => {
  for (const kind of [
    'TesseraCluster',
    'StatefulSet',
    'Deployment',
    'Service',
    'ConfigMap',
    'PersistentVolumeClaim',
    'PodDisruptionBudget',
    'ServiceMonitor',
    'Event',
  ]) {
    for (const object of api.list(kind, ns)) {
      if (kind === 'TesseraCluster')
        api.update(kind, ns, object.metadata.name, (o) => void (o.metadata.finalizers = []));
      api.remove(kind, ns, object.metadata.name);
    }
  }
  admin = new FakeControlPlaneAdmin();
  deps = { kube, adminFor: () => admin, nowMs: () => nowMs };
});

function seedCluster(spec: Partial<TesseraClusterSpec> = {}): void {
  api.seed('TesseraCluster', {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name, namespace: ns },
    spec: {
      version: '0.1.0',
      replicationFactor: 3,
      storage: { replicas: 3, size: '1Gi' },
      ...spec,
    },
  });
}

function cluster(): StoredObject & { status?: TesseraClusterStatus; spec: TesseraClusterSpec } {
  const object = api.get('TesseraCluster', ns, name);
  assert.ok(object, 'the cluster exists');
  return object as StoredObject & { status?: TesseraClusterStatus; spec: TesseraClusterSpec };
}

function conditionOf(type: string): Condition | undefined {
  return cluster().status?.conditions?.find((condition) => condition.type === type);
}

function storageSet(): { replicas: number; partition: number; image: string } {
  const set = api.get('StatefulSet', ns, `${name}-storage`);
  assert.ok(set, 'the storage StatefulSet exists');
  const spec = set.spec as {
    replicas: number;
    updateStrategy: { rollingUpdate: { partition: number } };
    template: { spec: { containers: { image: string }[] } };
  };
  return {
    replicas: spec.replicas,
    partition: spec.updateStrategy.rollingUpdate.partition,
    image: spec.template.spec.containers[0]?.image ?? '',
  };
}

function settleAll(options: { storageReady?: number } = {}): void {
  settleStatefulSet(
    api,
    ns,
    `${name}-storage`,
    options.storageReady !== undefined ? { ready: options.storageReady } : {},
  );
  settleStatefulSet(api, ns, `${name}-control`);
  settleDeployment(api, ns, `${name}-router`);
}

/** Brings a new cluster of `replicas` storage nodes to Ready. */
async function runningCluster(spec: Partial<TesseraClusterSpec> = {}): Promise<void> {
  seedCluster(spec);
  await reconcileCluster(deps, ns, name);
  settleAll();
  const replicas = spec.storage?.replicas ?? 3;
  admin.addNodes(
    Array.from({ length: replicas }, (_, ordinal) => `${name}-storage-${ordinal}`),
    4,
  );
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  assert.equal(conditionOf('Ready')?.status, 'True');
}

function writesSince(start: number): string[] {
  return api.requests
    .slice(start)
    .filter((request) => request.method !== 'GET')
    .map((request) => `${request.method} ${request.path}${request.subresource ? '' : ''}`);
}

test('a new cluster gets every object, a finalizer and a Progressing status, then becomes Ready', async () => {
  seedCluster();
  const first = await reconcileCluster(deps, ns, name);
  assert.equal(first.result, 'requeue');
  assert.deepEqual(cluster().metadata.finalizers, [clusterFinalizer]);
  assert.deepEqual(storageSet(), {
    replicas: 3,
    partition: 0,
    image: 'ghcr.io/tessera-db/tessera:0.1.0',
  });
  assert.ok(api.get('StatefulSet', ns, `${name}-control`));
  assert.ok(api.get('Deployment', ns, `${name}-router`));
  assert.deepEqual(
    api
      .list('Service', ns)
      .map((s) => s.metadata.name)
      .sort(),
    ['demo-control', 'demo-router', 'demo-storage'],
  );
  assert.equal(api.list('PodDisruptionBudget', ns).length, 3);
  assert.ok(api.get('ConfigMap', ns, `${name}-config`));
  assert.ok(
    api.get('ServiceMonitor', ns, name),
    'the ServiceMonitor CRD exists, so a ServiceMonitor is created',
  );
  const owner = api.get('StatefulSet', ns, `${name}-storage`)?.metadata.ownerReferences?.[0];
  assert.equal(owner?.uid, cluster().metadata.uid);
  assert.equal(conditionOf('Progressing')?.status, 'True');
  assert.equal(conditionOf('Progressing')?.reason, 'Creating');
  assert.equal(conditionOf('Ready')?.status, 'False');

  settleAll();
  admin.addNodes(['demo-storage-0', 'demo-storage-1', 'demo-storage-2'], 4);
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  const status = cluster().status;
  assert.equal(conditionOf('Ready')?.status, 'True');
  assert.equal(conditionOf('Degraded')?.status, 'False');
  assert.equal(status?.replicas, 3);
  assert.equal(status?.readyReplicas, 3);
  assert.equal(status?.currentVersion, '0.1.0');
  assert.equal(status?.observedGeneration, cluster().metadata.generation);
  assert.equal(
    status?.labelSelector,
    'app.kubernetes.io/name=tessera,app.kubernetes.io/instance=demo,app.kubernetes.io/component=storage',
  );

  const before = api.requests.length;
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  assert.deepEqual(writesSince(before), [], 'a second pass with nothing changed writes nothing');
});

test('kubectl scale (the scale subresource) grows the StatefulSet and removes stale volumes first', async () => {
  await runningCluster();
  // A volume left over from an earlier, larger cluster must not be reused by the new pod.
  api.seed('PersistentVolumeClaim', {
    metadata: {
      name: 'data-demo-storage-3',
      namespace: ns,
      labels: {
        'app.kubernetes.io/name': 'tessera',
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/component': 'storage',
        [retiredClaimLabel]: 'true',
      },
    },
  });
  const custom = kubeConfigFor(api.url, ns).makeApiClient(CustomObjectsApi);
  await custom.patchNamespacedCustomObjectScale(
    {
      group: 'tessera.dev',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'tesseraclusters',
      name,
      body: { spec: { replicas: 5 } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.equal(cluster().spec.storage.replicas, 5);
  const result = await reconcileCluster(deps, ns, name);
  assert.equal(result.result, 'requeue');
  assert.equal(storageSet().replicas, 5);
  assert.equal(api.get('PersistentVolumeClaim', ns, 'data-demo-storage-3'), undefined);
  assert.equal(conditionOf('Progressing')?.reason, 'ScalingUp');
  settleAll();
  admin.addNodes(['demo-storage-3', 'demo-storage-4'], 0);
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  assert.equal(cluster().status?.replicas, 5);
  assert.equal(conditionOf('Ready')?.status, 'True');
});

test('scale down drains the highest ordinals through the control plane before shrinking, then deletes their volumes', async () => {
  await runningCluster({ storage: { replicas: 5, size: '1Gi' } });
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 3),
  );
  assert.equal((await reconcileCluster(deps, ns, name)).result, 'requeue');
  assert.deepEqual(
    admin.calls.filter((call) => call.startsWith('drain')),
    ['drain demo-storage-3', 'drain demo-storage-4'],
  );
  assert.equal(
    storageSet().replicas,
    5,
    'nothing shrinks while replicas remain on the leaving nodes',
  );
  assert.equal(conditionOf('Progressing')?.reason, 'Draining');
  assert.deepEqual(cluster().status?.drainingNodes, ['demo-storage-3', 'demo-storage-4']);

  // Still draining: a second pass changes nothing and drains nobody twice.
  await reconcileCluster(deps, ns, name);
  assert.equal(admin.calls.filter((call) => call.startsWith('drain')).length, 2);
  assert.equal(storageSet().replicas, 5);

  admin.progressDrains();
  await reconcileCluster(deps, ns, name);
  assert.equal(storageSet().replicas, 3);
  assert.equal(api.get('PersistentVolumeClaim', ns, 'data-demo-storage-3'), undefined);
  assert.equal(api.get('PersistentVolumeClaim', ns, 'data-demo-storage-4'), undefined);
  assert.ok(api.get('PersistentVolumeClaim', ns, 'data-demo-storage-2'));
  settleAll();
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  assert.equal(cluster().status?.replicas, 3);
});

test('under pvcRetentionPolicy.whenScaled Retain the drained volume is kept and marked retired', async () => {
  await runningCluster({
    storage: { replicas: 4, size: '1Gi' },
    pvcRetentionPolicy: { whenScaled: 'Retain' },
  });
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 3),
  );
  await reconcileCluster(deps, ns, name);
  admin.progressDrains();
  await reconcileCluster(deps, ns, name);
  assert.equal(storageSet().replicas, 3);
  assert.equal(
    api.get('PersistentVolumeClaim', ns, 'data-demo-storage-3')?.metadata.labels?.[
      retiredClaimLabel
    ],
    'true',
  );
});

test('a reverted scale-down cancels the drain', async () => {
  await runningCluster({ storage: { replicas: 4, size: '1Gi' } });
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 3),
  );
  await reconcileCluster(deps, ns, name);
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 4),
  );
  await reconcileCluster(deps, ns, name);
  assert.ok(admin.calls.includes('cancel demo-storage-3'));
  assert.equal(admin.nodes.get('demo-storage-3')?.state, 'alive');
  assert.equal(storageSet().replicas, 4);
});

test('a rolling upgrade moves one storage pod at a time, each time waiting for healthy partitions', async () => {
  await runningCluster();
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).version = '0.2.0'),
  );
  await reconcileCluster(deps, ns, name);
  assert.deepEqual(storageSet(), {
    replicas: 3,
    partition: 3,
    image: 'ghcr.io/tessera-db/tessera:0.2.0',
  });
  assert.equal(conditionOf('Progressing')?.reason, 'RollingUpgrade');
  const partitions: number[] = [];
  for (let round = 0; round < 10 && storageSet().partition > 0; round += 1) {
    settleAll();
    // Each restarted node leaves partitions under-replicated until it catches up.
    admin.underReplicatedPartitions = 2;
    const before = storageSet().partition;
    await reconcileCluster(deps, ns, name);
    assert.equal(
      storageSet().partition,
      before,
      'no pod restarts while partitions are under-replicated',
    );
    assert.match(conditionOf('Progressing')?.message ?? '', /2 under-replicated/);
    admin.underReplicatedPartitions = 0;
    await reconcileCluster(deps, ns, name);
    partitions.push(storageSet().partition);
  }
  assert.deepEqual(partitions, [2, 1, 0]);
  assert.equal(
    cluster().status?.currentVersion,
    '0.1.0',
    'the old version is current until every pod is upgraded',
  );
  settleAll();
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  assert.equal(cluster().status?.currentVersion, '0.2.0');
});

test('a rolling upgrade waits for the restarted pod to become ready', async () => {
  await runningCluster();
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).version = '0.2.0'),
  );
  await reconcileCluster(deps, ns, name);
  settleAll();
  await reconcileCluster(deps, ns, name);
  assert.equal(storageSet().partition, 2);
  settleAll({ storageReady: 2 });
  await reconcileCluster(deps, ns, name);
  assert.equal(storageSet().partition, 2);
  assert.match(conditionOf('Progressing')?.message ?? '', /2\/3 ready/);
});

test('storage replicas below the replication factor are refused with Degraded and nothing is changed', async () => {
  seedCluster({ storage: { replicas: 2, size: '1Gi' } });
  const start = api.requests.length;
  assert.deepEqual(await reconcileCluster(deps, ns, name), {
    result: 'refused',
    reason: 'InsufficientStorageReplicas',
  });
  assert.equal(conditionOf('Degraded')?.status, 'True');
  assert.equal(conditionOf('Degraded')?.reason, 'InsufficientStorageReplicas');
  assert.match(conditionOf('Degraded')?.message ?? '', /below replicationFactor \(3\)/);
  assert.equal(conditionOf('Ready')?.status, 'False');
  const writes = writesSince(start).filter(
    (write) =>
      !write.endsWith('/status') &&
      !write.includes('/tesseraclusters/') &&
      !write.endsWith('/events'),
  );
  assert.deepEqual(writes, [], 'only the cluster itself (finalizer, status) is written');
  assert.equal(api.list('StatefulSet', ns).length, 0);
  const events = api.list('Event', ns).map((event) => [event.type, event.reason]);
  assert.deepEqual(
    events,
    [['Warning', 'InsufficientStorageReplicas']],
    'one Warning event says why',
  );
  await reconcileCluster(deps, ns, name);
  assert.equal(api.list('Event', ns).length, 1, 'no repeated event while nothing changes');
});

test('a shrink that would lose quorum is refused and the running cluster is untouched', async () => {
  await runningCluster({ storage: { replicas: 4, size: '1Gi' } });
  const node = admin.nodes.get('demo-storage-1');
  assert.ok(node);
  node.state = 'dead';
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 3),
  );
  const start = api.requests.length;
  assert.deepEqual(await reconcileCluster(deps, ns, name), {
    result: 'refused',
    reason: 'UnsafeScaleDown',
  });
  assert.match(conditionOf('Degraded')?.message ?? '', /demo-storage-1 is dead/);
  assert.deepEqual(
    writesSince(start).filter(
      (write) => !write.includes('/tesseraclusters/') && !write.endsWith('/events'),
    ),
    [],
  );
  assert.equal(admin.calls.filter((call) => call.startsWith('drain')).length, 0);
  assert.equal(storageSet().replicas, 4);
});

test('changing the immutable replication factor is refused', async () => {
  await runningCluster({ storage: { replicas: 5, size: '1Gi' } });
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).replicationFactor = 5),
  );
  assert.deepEqual(await reconcileCluster(deps, ns, name), {
    result: 'refused',
    reason: 'ImmutableFieldChanged',
  });
});

test('deletion releases volumes as whenDeleted says, removes the finalizer, and owned objects go with the cluster', async () => {
  await runningCluster({ pvcRetentionPolicy: { whenDeleted: 'Delete' } });
  assert.equal(api.list('PersistentVolumeClaim', ns).length, 6);
  api.remove('TesseraCluster', ns, name);
  assert.ok(
    api.get('TesseraCluster', ns, name)?.metadata.deletionTimestamp,
    'the finalizer holds the cluster',
  );
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'deleted' });
  assert.equal(api.get('TesseraCluster', ns, name), undefined);
  assert.equal(api.list('PersistentVolumeClaim', ns).length, 0);
  assert.equal(api.list('StatefulSet', ns).length, 0);
  assert.equal(api.list('Service', ns).length, 0);
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'gone' });
});

test('a 409 conflict surfaces as an error for the work queue and the next pass succeeds', async () => {
  await runningCluster();
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 4),
  );
  api.injectFault('PATCH', '/statefulsets/demo-storage', 409);
  await assert.rejects(
    reconcileCluster(deps, ns, name),
    (error: unknown) => error instanceof KubeApiError && error.statusCode === 409,
  );
  assert.equal(storageSet().replicas, 3);
  await reconcileCluster(deps, ns, name);
  assert.equal(storageSet().replicas, 4);
});

test('an unreachable control plane is reported as Degraded and a scale-down waits', async () => {
  await runningCluster({ storage: { replicas: 4, size: '1Gi' } });
  admin.unreachable = 'connection refused';
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 3),
  );
  nowMs += 1000;
  const result = await reconcileCluster(deps, ns, name);
  assert.equal(result.result, 'requeue');
  assert.equal(storageSet().replicas, 4);
  assert.equal(conditionOf('Degraded')?.reason, 'ControlPlaneUnreachable');
  assert.equal(conditionOf('Progressing')?.reason, 'WaitingForControlPlane');
});

test('a control plane that is still starting is not reported as Degraded', async () => {
  seedCluster();
  admin.unreachable = 'connection refused';
  await reconcileCluster(deps, ns, name);
  const second = await reconcileCluster(deps, ns, name);
  assert.equal(second.result, 'requeue');
  assert.ok(admin.calls.includes('clusterStatus'), 'the control plane was asked');
  assert.equal(conditionOf('Degraded')?.status, 'False');
});

test('a drain the control plane refuses is Degraded ControlPlaneRefused, and the set keeps its size', async () => {
  await runningCluster({ storage: { replicas: 4, size: '1Gi' } });
  admin.refuseDrains = 'InsufficientNodes: no node can take the replicas';
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 3),
  );
  nowMs += 1000;
  const result = await reconcileCluster(deps, ns, name);
  assert.equal(result.result, 'requeue');
  assert.equal(storageSet().replicas, 4);
  assert.equal(conditionOf('Degraded')?.reason, 'ControlPlaneRefused');
  assert.match(
    conditionOf('Degraded')?.message ?? '',
    /drain of demo-storage-3: InsufficientNodes/,
  );
});

test('scaling back up past a decommissioned node id: no cancel, Ready once the new node joins', async () => {
  await runningCluster({ storage: { replicas: 3, size: '1Gi' } });
  admin.nodes.set('demo-storage-3', {
    nodeId: 'demo-storage-3',
    state: 'decommissioned',
    replicas: 0,
    leaders: 0,
  });
  api.update(
    'TesseraCluster',
    ns,
    name,
    (o) => void ((o.spec as TesseraClusterSpec).storage.replicas = 4),
  );
  nowMs += 1000;
  await reconcileCluster(deps, ns, name);
  settleAll();
  // The re-created pod drew a new incarnation on its new volume and registered under it.
  admin.addNodes(['demo-storage-3.5f5f5f5f'], 3);
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  assert.equal(storageSet().replicas, 4);
  assert.deepEqual(
    admin.calls.filter((call) => call.startsWith('cancel')),
    [],
  );
  assert.equal(conditionOf('Ready')?.status, 'True');
});

test('under-replicated partitions keep the cluster from Ready and requeue soon', async () => {
  await runningCluster();
  admin.underReplicatedPartitions = 2;
  nowMs += 1000;
  const result = await reconcileCluster(deps, ns, name);
  assert.deepEqual(result, { result: 'requeue', afterMs: 5_000, reason: 'PartitionsUnhealthy' });
  assert.equal(conditionOf('Ready')?.reason, 'PartitionsUnhealthy');
  admin.underReplicatedPartitions = 0;
  nowMs += 1000;
  assert.deepEqual(await reconcileCluster(deps, ns, name), { result: 'done' });
  assert.equal(conditionOf('Ready')?.status, 'True');
});
