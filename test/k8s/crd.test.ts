import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { resolveSpec } from '../../operator/api/types.js';
import type { TesseraClusterSpec } from '../../operator/api/types.js';
import { compileCel } from './cel.js';
import type { SchemaNode } from './schema-validator.js';
import { applyDefaults, validateAgainstSchema } from './schema-validator.js';

const crdPath = 'helm/tessera-operator/crds/tesseraclusters.tessera.dev.yaml';
const crd = yaml.load(readFileSync(crdPath, 'utf8')) as {
  spec: {
    versions: {
      name: string;
      subresources: { scale: Record<string, string> };
      additionalPrinterColumns: { name: string; jsonPath: string }[];
      schema: { openAPIV3Schema: SchemaNode };
    }[];
  };
};
const version = crd.spec.versions[0];
assert.ok(version);
const schema = version.schema.openAPIV3Schema;

function resource(spec: Record<string, unknown>, name = 'demo'): Record<string, unknown> {
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name },
    spec: structuredClone(spec),
  };
}

/** Validates a create (or an update when `old` is given), defaults applied first as the API server does. */
function errors(object: Record<string, unknown>, old?: Record<string, unknown>): string[] {
  const value = applyDefaults(schema, structuredClone(object));
  const oldValue = old ? applyDefaults(schema, structuredClone(old)) : undefined;
  return validateAgainstSchema(schema, value, oldValue);
}

const minimal = { version: '0.1.0', storage: { replicas: 3 } };
const full: Record<string, unknown> = {
  image: 'registry.local/tessera',
  version: '0.1.0',
  imagePullPolicy: 'Never',
  replicationFactor: 3,
  logLevel: 'debug',
  storage: {
    replicas: 5,
    size: '20Gi',
    storageClassName: 'standard',
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: 2147483648 } },
  },
  router: { replicas: 2, resources: { requests: { cpu: '250m' } } },
  controlPlane: { replicas: 3 },
  topology: { zones: ['eu-1a', 'eu-1b', 'eu-1c'], maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' },
  pvcRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Delete' },
  monitoring: { serviceMonitor: false, scrapeInterval: '30s' },
};

test('the CRD is a valid CustomResourceDefinition with the scale subresource and printer columns', () => {
  new CustomResourceDefinition(crd as never).validate();
  assert.deepEqual(version.subresources.scale, {
    specReplicasPath: '.spec.storage.replicas',
    statusReplicasPath: '.status.replicas',
    labelSelectorPath: '.status.labelSelector',
  });
  assert.deepEqual(
    version.additionalPrinterColumns.map((column) => column.name),
    ['Storage', 'Ready', 'Routers', 'Version', 'Phase', 'Age'],
  );
});

test('every CEL rule of the CRD parses', () => {
  const rules: string[] = [];
  const collect = (node: SchemaNode | undefined): void => {
    if (!node) return;
    for (const validation of node['x-kubernetes-validations'] ?? []) rules.push(validation.rule);
    for (const child of Object.values(node.properties ?? {})) collect(child);
    collect(node.items);
  };
  collect(schema);
  assert.ok(rules.length >= 6, `${rules.length} rules`);
  for (const rule of rules) compileCel(rule);
});

test('valid samples pass', () => {
  assert.deepEqual(errors(resource(minimal)), []);
  assert.deepEqual(errors(resource(full)), []);
  assert.deepEqual(
    errors(
      resource({
        ...minimal,
        replicationFactor: 1,
        storage: { replicas: 1 },
        controlPlane: { replicas: 1 },
      }),
    ),
    [],
  );
});

test('CRD defaults are the operator defaults', () => {
  const defaulted = (applyDefaults(schema, resource(minimal)) as { spec: TesseraClusterSpec }).spec;
  const resolved = resolveSpec(minimal);
  assert.equal(defaulted.image, resolved.image);
  assert.equal(defaulted.replicationFactor, resolved.replicationFactor);
  assert.equal(defaulted.imagePullPolicy, resolved.imagePullPolicy);
  assert.equal(defaulted.storage.size, resolved.storage.size);
  assert.equal(defaulted.router?.replicas, resolved.router.replicas);
  assert.equal(defaulted.controlPlane?.replicas, resolved.controlPlane.replicas);
  assert.equal(defaulted.logLevel, resolved.logLevel);
});

const invalidCreates: [string, Record<string, unknown>, RegExp][] = [
  [
    'storage replicas below the replication factor',
    resource({ ...minimal, storage: { replicas: 2 } }),
    /at least replicationFactor/,
  ],
  ['an even control plane', resource({ ...minimal, controlPlane: { replicas: 2 } }), /must be odd/],
  ['a name too long for derived names', resource(minimal, 'x'.repeat(41)), /at most 40 characters/],
  ['a missing version', resource({ storage: { replicas: 3 } }), /\.spec\.version: Required/],
  ['an unknown field', resource({ ...minimal, replicas: 3 }), /\.spec\.replicas: unknown field/],
  [
    'a bad enum value',
    resource({ ...minimal, pvcRetentionPolicy: { whenScaled: 'Keep' } }),
    /not one of/,
  ],
  [
    'a bad size',
    resource({ ...minimal, storage: { replicas: 3, size: 'ten gigs' } }),
    /does not match/,
  ],
  ['duplicate zones', resource({ ...minimal, topology: { zones: ['a', 'a'] } }), /duplicate/],
  [
    'a replication factor above 7',
    resource({ ...minimal, replicationFactor: 9, storage: { replicas: 9 } }),
    /above 7/,
  ],
  [
    'a string for replicas',
    resource({ version: '1', storage: { replicas: 'three' } }),
    /expected integer/,
  ],
];

for (const [what, object, message] of invalidCreates) {
  test(`rejected on create: ${what}`, () => {
    const found = errors(object);
    assert.ok(
      found.some((error) => message.test(error)),
      JSON.stringify(found),
    );
  });
}

const invalidUpdates: [string, Record<string, unknown>, RegExp][] = [
  [
    'changing the replication factor',
    { ...full, replicationFactor: 5 },
    /replicationFactor is immutable/,
  ],
  [
    'changing the volume size',
    { ...full, storage: { ...(full.storage as object), size: '40Gi' } },
    /storage.size is immutable/,
  ],
  [
    'removing the storage class',
    { ...full, storage: { replicas: 5, size: '20Gi' } },
    /storageClassName is immutable/,
  ],
  [
    'shrinking the control plane from 3 to 1',
    { ...full, controlPlane: { replicas: 1 } },
    /lose its quorum/,
  ],
];

for (const [what, spec, message] of invalidUpdates) {
  test(`rejected on update: ${what}`, () => {
    const found = errors(resource(spec), resource(full));
    assert.ok(
      found.some((error) => message.test(error)),
      JSON.stringify(found),
    );
  });
}

test('allowed updates: scaling storage, upgrading the version, growing the control plane', () => {
  assert.deepEqual(
    errors(
      resource({ ...full, storage: { ...(full.storage as object), replicas: 7 } }),
      resource(full),
    ),
    [],
  );
  assert.deepEqual(errors(resource({ ...full, version: '0.2.0' }), resource(full)), []);
  assert.deepEqual(
    errors(resource({ ...full, controlPlane: { replicas: 5 } }), resource(full)),
    [],
  );
});
