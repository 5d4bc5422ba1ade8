import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1StatefulSet } from '@kubernetes/client-node';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { clusterNames, storageNodeId, storageOrdinal } from '../api/names.js';
import type { TesseraCluster, TesseraClusterSpec } from '../api/types.js';
import { clusterNameLengthMax, resolveSpec } from '../api/types.js';
import {
  buildConfigMap,
  buildPodDisruptionBudgets,
  buildServiceMonitor,
} from './cluster-objects.js';
import type { BuildContext } from './common.js';
import {
  buildControlPlaneService,
  buildControlPlaneStatefulSet,
  controlPlanePeers,
} from './control-plane.js';
import { buildRouterDeployment, buildRouterService } from './router.js';
import { buildStorageService, buildStorageStatefulSet } from './storage.js';

function context(spec: Partial<TesseraClusterSpec> = {}, name = 'demo'): BuildContext {
  const cluster: TesseraCluster = {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name, namespace: 'db', uid: 'uid-1' },
    spec: { version: '1.2.3', storage: { replicas: 3 }, ...spec },
  };
  return { cluster, names: clusterNames(name, 'db'), spec: resolveSpec(cluster.spec) };
}

/** Every object's schema is checked by kubernetes-models (throws on a violation). */
function validate(object: unknown): void {
  const { kind } = object as { kind: string };
  const models: Record<string, (value: never) => { validate(): void }> = {
    StatefulSet: (value) => new StatefulSet(value),
    Deployment: (value) => new Deployment(value),
    Service: (value) => new Service(value),
    ConfigMap: (value) => new ConfigMap(value),
    PodDisruptionBudget: (value) => new PodDisruptionBudget(value),
  };
  const model = models[kind];
  assert.ok(model, `a model for ${kind}`);
  model(object as never).validate();
}

function container(set: {
  spec?: { template?: { spec?: { containers?: V1Container[] } } };
}): V1Container {
  const first = set.spec?.template?.spec?.containers?.[0];
  assert.ok(first);
  return first;
}

function env(target: V1Container, name: string): string | undefined {
  return target.env?.find((variable) => variable.name === name)?.value;
}

test('every built object passes the Kubernetes schema, is owned by the cluster and carries standard labels', () => {
  const built = allObjects(context());
  assert.equal(built.length, 10);
  // The validator is not a rubber stamp: a wrong type fails.
  const broken = buildStorageStatefulSet(context(), 3, 0) as unknown as {
    spec: { replicas: unknown };
  };
  broken.spec.replicas = 'three';
  assert.throws(() => validate(broken));
  for (const object of built) {
    validate(object);
    const metadata = (object as V1StatefulSet).metadata;
    assert.equal(metadata?.ownerReferences?.[0]?.uid, 'uid-1');
    assert.equal(metadata?.ownerReferences?.[0]?.controller, true);
    assert.equal(metadata?.labels?.['app.kubernetes.io/instance'], 'demo');
    assert.equal(metadata?.labels?.['app.kubernetes.io/managed-by'], 'tessera-operator');
    assert.equal(metadata?.namespace, 'db');
  }
});

test('names derived from the longest allowed cluster name fit in 63 characters', () => {
  const longest = 'a'.repeat(clusterNameLengthMax);
  const built = allObjects(context({ storage: { replicas: 9 } }, longest));
  for (const object of built) {
    const name = (object as V1StatefulSet).metadata?.name ?? '';
    assert.ok(name.length <= 63, name);
    // StatefulSet pods get `<name>-<ordinal>` and a `controller-revision-hash` label of `<name>-<10 chars>`.
    if ((object as V1StatefulSet).kind === 'StatefulSet')
      assert.ok(`${name}-0123456789`.length <= 63, name);
  }
  assert.throws(() => clusterNames('a'.repeat(clusterNameLengthMax + 1), 'db'), /longer than/);
});

test('storage StatefulSet: replicas and partition as given, a volume claim per pod, probes, non-root, env', () => {
  const set = buildStorageStatefulSet(
    context({ storage: { replicas: 5, size: '20Gi', storageClassName: 'fast' } }),
    4,
    2,
  );
  assert.equal(set.spec?.replicas, 4);
  assert.equal(set.spec?.updateStrategy?.rollingUpdate?.partition, 2);
  assert.equal(set.spec?.serviceName, 'demo-storage');
  const claim = set.spec?.volumeClaimTemplates?.[0];
  assert.equal(claim?.spec?.resources?.requests?.storage, '20Gi');
  assert.equal(claim?.spec?.storageClassName, 'fast');
  assert.equal(set.metadata?.annotations?.['tessera.dev/replication-factor'], '3');
  const main = container(set);
  assert.equal(main.image, 'ghcr.io/tessera-db/tessera:1.2.3');
  assert.deepEqual(main.args, ['storage-node']);
  assert.equal(main.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(main.readinessProbe?.httpGet?.path, '/readyz');
  assert.equal(main.securityContext?.allowPrivilegeEscalation, false);
  assert.equal(set.spec?.template.spec?.securityContext?.runAsNonRoot, true);
  assert.equal(env(main, 'TESSERA_GRPC_PORT'), '7100');
  assert.equal(env(main, 'TESSERA_CONTROL_PLANE_ADDRESS'), 'demo-control.db.svc:7000');
  assert.equal(
    env(main, 'TESSERA_ADVERTISE_ADDRESS'),
    '$(TESSERA_NODE_ID).demo-storage.db.svc:7100',
  );
  assert.equal(set.spec?.template.spec?.terminationGracePeriodSeconds, 60);
  assert.deepEqual(set.spec?.template.metadata?.labels?.['app.kubernetes.io/component'], 'storage');
});

test('zones restrict scheduling and spread uses the topology key', () => {
  const set = buildStorageStatefulSet(
    context({ topology: { zones: ['a', 'b'], whenUnsatisfiable: 'DoNotSchedule' } }),
    3,
    0,
  );
  const term =
    set.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms[0];
  assert.deepEqual(term?.matchExpressions?.[0]?.values, ['a', 'b']);
  const spread = set.spec?.template.spec?.topologySpreadConstraints?.[0];
  assert.equal(spread?.topologyKey, 'topology.kubernetes.io/zone');
  assert.equal(spread?.whenUnsatisfiable, 'DoNotSchedule');
  assert.equal(buildStorageStatefulSet(context(), 3, 0).spec?.template.spec?.affinity, undefined);
});

test('control plane: one Raft peer address per replica, headless service publishing unready pods', () => {
  const ctx = context({ controlPlane: { replicas: 5 } });
  assert.equal(controlPlanePeers(ctx).length, 5);
  assert.equal(controlPlanePeers(ctx)[4], 'demo-control-4=demo-control-4.demo-control.db.svc:7000');
  const set = buildControlPlaneStatefulSet(ctx);
  assert.equal(set.spec?.replicas, 5);
  assert.deepEqual(container(set).args, ['control-plane']);
  assert.equal(env(container(set), 'TESSERA_PEERS')?.split(',').length, 5);
  const replicaId = container(set).env?.find((variable) => variable.name === 'TESSERA_REPLICA_ID');
  assert.equal(replicaId?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
  const service = buildControlPlaneService(ctx);
  assert.equal(service.spec?.clusterIP, 'None');
  assert.equal(service.spec?.publishNotReadyAddresses, true);
});

test('routers: surge rollout, preStop delay for endpoint removal, client service on 8000/8001', () => {
  const deployment = buildRouterDeployment(context({ router: { replicas: 4 } }));
  assert.equal(deployment.spec?.replicas, 4);
  assert.equal(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable, 0);
  assert.deepEqual(container(deployment).lifecycle?.preStop?.exec?.command, ['sleep', '5']);
  assert.equal(env(container(deployment), 'TESSERA_HTTP_PORT'), '8000');
  assert.equal(
    container(deployment).env?.find((variable) => variable.name === 'TESSERA_AUTH_KEYS'),
    undefined,
  );
  const signed = buildRouterDeployment(context({ router: { authSecretName: 'demo-auth' } }));
  assert.deepEqual(
    container(signed).env?.find((variable) => variable.name === 'TESSERA_AUTH_KEYS')?.valueFrom
      ?.secretKeyRef,
    { name: 'demo-auth', key: 'authKeys' },
  );
  const ports = buildRouterService(context()).spec?.ports?.map((port) => port.port);
  assert.deepEqual(ports, [8000, 8001, 9090]);
});

test('disruption budgets allow one storage node down, none for a single control-plane replica', () => {
  const budgets = buildPodDisruptionBudgets(context({ controlPlane: { replicas: 1 } }));
  assert.deepEqual(
    budgets.map((budget) => [budget.metadata?.name, budget.spec?.maxUnavailable]),
    [
      ['demo-storage', 1],
      ['demo-control', 0],
      ['demo-router', 1],
    ],
  );
  assert.equal(buildPodDisruptionBudgets(context()).at(1)?.spec?.maxUnavailable, 1);
});

test('config map and service monitor', () => {
  assert.deepEqual(buildConfigMap(context({ logLevel: 'debug' })).data?.logLevel, 'debug');
  const monitor = buildServiceMonitor(context({ monitoring: { scrapeInterval: '30s' } }));
  assert.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
  const endpoints = monitor.spec.endpoints as { port: string; interval: string; path: string }[];
  assert.deepEqual(
    endpoints.map((endpoint) => [endpoint.port, endpoint.path, endpoint.interval]),
    [['admin', '/metrics', '30s']],
  );
});

test('every service binds its admin server for probes and stops before its termination grace ends', () => {
  const ctx = context();
  const workloads = [
    buildStorageStatefulSet(ctx, 3, 0),
    buildControlPlaneStatefulSet(ctx),
    buildRouterDeployment(ctx),
  ];
  for (const workload of workloads) {
    const main = container(workload);
    assert.equal(env(main, 'TESSERA_ADMIN_HOST'), '0.0.0.0');
    const graceMs = Number(env(main, 'TESSERA_SHUTDOWN_GRACE_MS'));
    const podGraceMs = (workload.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    const preStopMs = main.lifecycle?.preStop ? 5000 : 0;
    assert.ok(
      graceMs > 0 && graceMs + preStopMs < podGraceMs,
      `${workload.metadata?.name}: ${graceMs} + ${preStopMs} < ${podGraceMs}`,
    );
  }
});

test('storage node ids and ordinals round-trip', () => {
  const names = clusterNames('demo', 'db');
  assert.equal(storageNodeId(names, 7), 'demo-storage-7');
  assert.equal(storageOrdinal(names, 'demo-storage-7'), 7);
  assert.equal(storageOrdinal(names, 'demo-storage-07'), undefined);
  assert.equal(storageOrdinal(names, 'other-storage-1'), undefined);
  // A node id with the incarnation its volume drew.
  assert.equal(storageOrdinal(names, 'demo-storage-3.0a1b2c3d'), 3);
  assert.equal(storageOrdinal(names, 'demo-storage-3.'), undefined);
  assert.equal(storageOrdinal(names, 'demo-storage-3.x'), undefined);
});

function allObjects(ctx: BuildContext): unknown[] {
  return [
    buildStorageStatefulSet(ctx, ctx.spec.storage.replicas, 0),
    buildStorageService(ctx),
    buildControlPlaneStatefulSet(ctx),
    buildControlPlaneService(ctx),
    buildRouterDeployment(ctx),
    buildRouterService(ctx),
    buildConfigMap(ctx),
    ...buildPodDisruptionBudgets(ctx),
  ];
}
