import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { V1ConfigMap, V1StatefulSet } from '@kubernetes/client-node';
import type { FakeApiServer } from '../testing/fake-api-server.js';
import { startFakeApiServer } from '../testing/fake-api-server.js';
import type { KubeClient } from './client.js';
import { KubeApiError, createKubeClient, kubeConfigFor } from './client.js';

let api: FakeApiServer;
let client: KubeClient;

before(async () => {
  api = await startFakeApiServer();
  client = createKubeClient(kubeConfigFor(api.url));
});
after(() => api.close());

const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'settings' };

test('get answers undefined for a missing object (404)', async () => {
  assert.equal(await client.get(ref), undefined);
});

test('create, get, merge patch, 409 on a stale resourceVersion, 409 on create of an existing name', async () => {
  const created = await client.create<V1ConfigMap>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data: { a: '1' },
  });
  assert.ok(created.metadata?.resourceVersion);
  const read = await client.get<V1ConfigMap>(ref);
  assert.deepEqual(read?.data, { a: '1' });
  const patched = await client.mergePatch<V1ConfigMap>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'settings',
      namespace: 'default',
      resourceVersion: created.metadata?.resourceVersion,
    },
    data: { b: '2' },
  } as V1ConfigMap);
  assert.deepEqual(patched.data, { a: '1', b: '2' });
  await assert.rejects(
    client.mergePatch({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'settings',
        namespace: 'default',
        resourceVersion: created.metadata?.resourceVersion,
      },
    }),
    (error: unknown) => error instanceof KubeApiError && error.statusCode === 409,
  );
  await assert.rejects(
    client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
    }),
    (error: unknown) =>
      error instanceof KubeApiError && error.statusCode === 409 && error.reason === 'AlreadyExists',
  );
  assert.equal(await client.delete(ref), true);
  assert.equal(await client.delete(ref), false);
});

test('typed objects survive the client-node serializer round trip', async () => {
  const statefulSet: V1StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    },
  };
  await client.create(statefulSet);
  const stored = api.get('StatefulSet', 'default', 'web');
  assert.equal(
    (stored?.spec as V1StatefulSet['spec'])?.updateStrategy?.rollingUpdate?.partition,
    2,
  );
  const listed = await client.list<V1StatefulSet>('apps/v1', 'StatefulSet', 'default', 'app=web');
  assert.equal(listed.items.length, 1);
  assert.ok(Number(listed.resourceVersion) > 0);
  assert.equal(
    (await client.list('apps/v1', 'StatefulSet', 'default', 'app=other')).items.length,
    0,
  );
});

test('hasKind follows discovery', async () => {
  assert.equal(await client.hasKind('apps/v1', 'StatefulSet'), true);
  assert.equal(await client.hasKind('monitoring.coreos.com/v1', 'ServiceMonitor'), false);
});

test('injected server errors surface as KubeApiError with the status code', async () => {
  api.injectFault('GET', '/configmaps/settings', 500);
  await assert.rejects(
    client.get(ref),
    (error: unknown) => error instanceof KubeApiError && error.statusCode === 500,
  );
});
