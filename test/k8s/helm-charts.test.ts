import assert from 'node:assert/strict';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { Secret } from 'kubernetes-models/v1/Secret';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { readFileSync } from 'node:fs';
import { runHelm } from './helm-binary.js';
import type { SchemaNode } from './schema-validator.js';
import { applyDefaults, validateAgainstSchema } from './schema-validator.js';

interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

const models: Record<string, (value: never) => { validate(): void }> = {
  Deployment: (value) => new Deployment(value),
  Job: (value) => new Job(value),
  ConfigMap: (value) => new ConfigMap(value),
  Service: (value) => new Service(value),
  ServiceAccount: (value) => new ServiceAccount(value),
  Secret: (value) => new Secret(value),
  ClusterRole: (value) => new ClusterRole(value),
  ClusterRoleBinding: (value) => new ClusterRoleBinding(value),
  Role: (value) => new Role(value),
  RoleBinding: (value) => new RoleBinding(value),
  CustomResourceDefinition: (value) => new CustomResourceDefinition(value),
};

const crd = yaml.load(
  readFileSync('helm/tessera-operator/crds/tesseraclusters.tessera.dev.yaml', 'utf8'),
) as {
  spec: { versions: { schema: { openAPIV3Schema: SchemaNode } }[] };
};
const clusterSchema = crd.spec.versions[0]?.schema.openAPIV3Schema as SchemaNode;

function render(chart: string, release: string, args: string[] = []): RenderedObject[] {
  const output = runHelm(['template', release, `helm/${chart}`, '--namespace', 'tessera', ...args]);
  return yaml
    .loadAll(output)
    .filter(
      (document): document is RenderedObject => document !== null && typeof document === 'object',
    );
}

/** Checks every rendered object: schema, names, standard labels, probes. */
function checkObjects(objects: RenderedObject[]): void {
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata.name}`;
    assert.ok(object.metadata.name.length <= 63, `${where}: name within 63 characters`);
    if (object.kind === 'TesseraCluster') {
      const errors = validateAgainstSchema(
        clusterSchema,
        applyDefaults(clusterSchema, structuredClone(object)),
      );
      assert.deepEqual(errors, [], `${where} passes the CRD schema`);
    } else if (object.kind === 'ServiceMonitor') {
      assert.equal(object.apiVersion, 'monitoring.coreos.com/v1');
      assert.ok(Array.isArray(object.spec?.endpoints));
    } else {
      const model = models[object.kind];
      assert.ok(model, `${where}: a Kubernetes model exists`);
      model(object as never).validate();
    }
    if (object.kind !== 'CustomResourceDefinition') {
      const labels = object.metadata.labels ?? {};
      for (const label of [
        'app.kubernetes.io/name',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/version',
        'app.kubernetes.io/managed-by',
        'app.kubernetes.io/part-of',
      ]) {
        assert.ok(labels[label], `${where}: label ${label}`);
      }
      for (const value of Object.values(labels))
        assert.ok(value.length <= 63, `${where}: label value ${value}`);
    }
  }
}

function containersOf(object: RenderedObject): Record<string, unknown>[] {
  const template = (
    object.spec as { template?: { spec?: { containers?: Record<string, unknown>[] } } }
  ).template;
  return template?.spec?.containers ?? [];
}

test('helm lint passes for both charts', () => {
  const output = runHelm(['lint', '--strict', 'helm/tessera-operator', 'helm/tessera-cluster']);
  assert.match(output, /2 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('tessera-operator renders valid objects with least-privilege RBAC, probes and the CRD', () => {
  const objects = render('tessera-operator', 'tessera-operator', ['--include-crds']);
  checkObjects(objects);
  assert.deepEqual(objects.map((object) => object.kind).sort(), [
    'ClusterRole',
    'ClusterRoleBinding',
    'CustomResourceDefinition',
    'Deployment',
    'Role',
    'RoleBinding',
    'Service',
    'ServiceAccount',
  ]);
  const deployment = objects.find((object) => object.kind === 'Deployment');
  assert.ok(deployment);
  const [container] = containersOf(deployment);
  assert.deepEqual(container?.args, ['operator']);
  assert.deepEqual(
    (container?.livenessProbe as { httpGet: { path: string } }).httpGet.path,
    '/healthz',
  );
  assert.deepEqual(
    (container?.readinessProbe as { httpGet: { path: string } }).httpGet.path,
    '/readyz',
  );
  const role = objects.find((object) => object.kind === 'ClusterRole');
  const verbs = new Set(role?.rules?.flatMap((rule) => rule.verbs));
  assert.ok(!verbs.has('*'), 'no wildcard verbs');
  assert.ok(
    !role?.rules?.some((rule) => rule.resources.includes('*') || rule.apiGroups.includes('*')),
    'no wildcard resources',
  );
  assert.ok(
    !role?.rules?.some((rule) => rule.resources.includes('secrets')),
    'no access to secrets',
  );
  const claims = role?.rules?.find((rule) => rule.resources.includes('persistentvolumeclaims'));
  assert.deepEqual(claims?.verbs, ['get', 'list', 'patch', 'delete']);
  const leases = objects.find((object) => object.kind === 'Role');
  assert.equal(
    leases?.metadata.namespace,
    'tessera',
    'the Lease Role is namespaced to the operator',
  );
});

test('tessera-operator with watchNamespace uses a namespaced Role instead of a ClusterRole', () => {
  const objects = render('tessera-operator', 'op', [
    '--set',
    'watchNamespace=apps',
    '--set',
    'serviceMonitor.enabled=true',
  ]);
  assert.equal(objects.filter((object) => object.kind === 'ServiceMonitor').length, 1);
  checkObjects(objects);
  assert.ok(!objects.some((object) => object.kind.startsWith('Cluster')));
  assert.equal(
    objects.filter((object) => object.kind === 'Role' && object.metadata.namespace === 'apps')
      .length,
    1,
  );
});

test('tessera-cluster renders a valid TesseraCluster and dashboards labelled for Grafana', () => {
  const objects = render('tessera-cluster', 'demo');
  checkObjects(objects);
  const cluster = objects.find((object) => object.kind === 'TesseraCluster');
  assert.equal((cluster?.spec as { storage: { replicas: number } }).storage.replicas, 3);
  const dashboards = objects.filter(
    (object) => object.kind === 'ConfigMap' && object.metadata.labels?.grafana_dashboard === '1',
  );
  assert.deepEqual(dashboards.map((object) => object.metadata.name).sort(), [
    'demo-dashboard-control-plane',
    'demo-dashboard-overview',
    'demo-dashboard-storage',
  ]);
  for (const dashboard of dashboards) {
    for (const json of Object.values(dashboard.data ?? {}))
      assert.ok((JSON.parse(json) as { panels: unknown[] }).panels.length > 0);
  }
  assert.ok(!objects.some((object) => object.kind === 'ServiceMonitor' || object.kind === 'Job'));
});

test('tessera-cluster with the ServiceMonitor and the k6 load test enabled', () => {
  const objects = render('tessera-cluster', 'demo', [
    '--set',
    'serviceMonitor.enabled=true',
    '--set',
    'serviceMonitor.labels.release=kube-prometheus-stack',
    '--set',
    'loadTest.enabled=true',
    '--set',
    'auth.enabled=true',
    '--set',
    'storage.replicas=5',
    '--set',
    'topology.zones={a,b,c}',
  ]);
  checkObjects(objects);
  const monitor = objects.find((object) => object.kind === 'ServiceMonitor');
  assert.equal(monitor?.metadata.labels?.release, 'kube-prometheus-stack');
  const cluster = objects.find((object) => object.kind === 'TesseraCluster');
  assert.equal(
    (cluster?.spec as { monitoring: { serviceMonitor: boolean } }).monitoring.serviceMonitor,
    false,
    "the chart's ServiceMonitor replaces the operator's",
  );
  const secret = objects.find((object) => object.kind === 'Secret') as RenderedObject & {
    stringData: Record<string, string>;
  };
  assert.equal(secret.stringData.authKeys, 'tessera:tessera-secret');
  assert.equal(
    (cluster?.spec as { router: { authSecretName: string } }).router.authSecretName,
    secret.metadata.name,
  );
  const job = objects.find((object) => object.kind === 'Job');
  assert.ok(job);
  const env = (containersOf(job)[0]?.env ?? []) as { name: string; value: string }[];
  assert.equal(
    env.find((variable) => variable.name === 'TESSERA_ENDPOINT')?.value,
    'http://demo-router.tessera.svc:8000',
  );
  const script = objects.find((object) => object.metadata.name === 'demo-k6-script');
  assert.match(script?.data?.['load-test.js'] ?? '', /AWS4-HMAC-SHA256/);
});

test('values.schema.json and the name limit refuse bad values', () => {
  const failures: [string[], RegExp][] = [
    [['--set', 'storage.replicas=0'], /minimum|storage\.replicas|replicas/],
    [['--set', 'controlPlane.replicas=2'], /controlPlane/],
    [['--set', 'pvcRetentionPolicy.whenScaled=Keep'], /whenScaled/],
    [['--set', 'unknownValue=1'], /unknownValue|additional/i],
  ];
  for (const [args, message] of failures) {
    assert.throws(() => render('tessera-cluster', 'demo', args), message, args.join(' '));
  }
  assert.throws(() => render('tessera-cluster', 'a'.repeat(41)), /longer than 40 characters/);
  assert.throws(
    () => render('tessera-operator', 'op', ['--set', 'replicaCount=0']),
    /replicaCount/,
  );
});
