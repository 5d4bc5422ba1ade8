// Every environment variable the operator puts in a pod is one the service in that pod reads.
// The operator may not import the services, so this test reads their settings tables as text
// (`env: 'TESSERA_…'` in services/<service>/ and lib/runtime's common settings): a renamed or
// misspelt variable would otherwise be ignored silently and the pod would run on a default.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Container } from '@kubernetes/client-node';
import { clusterNames } from '../../operator/api/names.js';
import type { TesseraCluster } from '../../operator/api/types.js';
import { resolveSpec } from '../../operator/api/types.js';
import type { BuildContext } from '../../operator/builders/common.js';
import {
  buildControlPlaneStatefulSet,
  controlPlanePeers,
} from '../../operator/builders/control-plane.js';
import { buildRouterDeployment } from '../../operator/builders/router.js';
import { buildStorageStatefulSet } from '../../operator/builders/storage.js';

/**
 * Set in every pod for people reading `kubectl exec env`; only the storage node parses one of
 * them (`TESSERA_NODE_ID`, its node id), so it is checked there.
 */
const informational = new Set(['TESSERA_NAMESPACE', 'TESSERA_CLUSTER_NAME', 'TESSERA_NODE_ID']);

/** Source files of a folder and its subfolders, tests excluded (bounded by the repository). */
function sources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The variables a settings table reads: literal `env:` names and `ms('flag', …)` helpers. */
function variablesReadIn(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/env: '(TESSERA_[A-Z0-9_]+)'/g)) names.add(match[1] ?? '');
    if (text.includes("env: `TESSERA_${flag.toUpperCase().replaceAll('-', '_')}`")) {
      for (const match of text.matchAll(/ms\(\s*'([a-z0-9-]+)'/g))
        names.add(`TESSERA_${(match[1] ?? '').toUpperCase().replaceAll('-', '_')}`);
    }
  }
  return names;
}

function context(): BuildContext {
  const cluster: TesseraCluster = {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name: 'demo', namespace: 'db', uid: 'uid-1' },
    spec: { version: '1', storage: { replicas: 3 }, controlPlane: { replicas: 3 } },
  };
  return { cluster, names: clusterNames('demo', 'db'), spec: resolveSpec(cluster.spec) };
}

const common = variablesReadIn(sources('lib/runtime'));

function checkContainer(
  container: V1Container | undefined,
  service: string,
  mustRead: readonly string[] = [],
): void {
  assert.ok(container, `a ${service} container`);
  assert.deepEqual(container.args, [service]);
  const read = variablesReadIn(sources(join('services', service)));
  assert.ok(read.size > 3, `found the settings of ${service}`);
  const unread = (container.env ?? [])
    .map((variable) => variable.name)
    .filter(
      (name) =>
        !read.has(name) &&
        !common.has(name) &&
        (mustRead.includes(name) || !informational.has(name)),
    );
  assert.deepEqual(unread, [], `${service} reads every variable its pod is given`);
}

test('storage, control-plane and router pods get only variables their service reads', () => {
  const ctx = context();
  checkContainer(
    buildStorageStatefulSet(ctx, 3, 0).spec?.template.spec?.containers[0],
    'storage-node',
    ['TESSERA_NODE_ID'],
  );
  checkContainer(
    buildControlPlaneStatefulSet(ctx).spec?.template.spec?.containers[0],
    'control-plane',
  );
  checkContainer(buildRouterDeployment(ctx).spec?.template.spec?.containers[0], 'router');
});

test("the control plane's peers have the form its --peers setting accepts", () => {
  // The pattern of services/control-plane/main.ts's `peers` list setting, read from its source.
  const main = readFileSync('services/control-plane/main.ts', 'utf8');
  const declared = /flag: 'peers',[\s\S]*?itemPattern: \/(.+?)\/,/.exec(main)?.[1];
  assert.ok(declared, 'the peers setting declares an item pattern');
  const pattern = new RegExp(declared);
  const peers = controlPlanePeers(context());
  assert.equal(peers.length, 3);
  for (const peer of peers) assert.match(peer, pattern);
});
