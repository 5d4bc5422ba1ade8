import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeControlPlaneAdmin } from '../control/fake-admin.js';
import { createKubeClient, kubeConfigFor } from '../kube/client.js';
import type { KubeClient } from '../kube/client.js';
import { reconcileCluster } from '../reconcile/reconciler.js';
import type { FakeApiServer } from '../testing/fake-api-server.js';
import { startFakeApiServer } from '../testing/fake-api-server.js';
import { settleStatefulSet } from '../testing/simulate.js';
import type { ReconcileReport } from './controller.js';
import { ClusterController, createSources } from './controller.js';
import { realTimers } from './timers.js';

let api: FakeApiServer;
let kube: KubeClient;

before(async () => {
  api = await startFakeApiServer();
  kube = createKubeClient(kubeConfigFor(api.url, 'apps'));
});
after(() => api.close());

/** Polls a condition until it holds or the deadline passes (never a fixed sleep). */
async function eventually(
  condition: () => boolean,
  what: string,
  deadlineMs = 5000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function seed(name: string): void {
  api.seed('TesseraCluster', {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'TesseraCluster',
    metadata: { name, namespace: 'apps' },
    spec: { version: '0.1.0', storage: { replicas: 3 } },
  });
}

test('watch events drive reconciles; a StatefulSet change wakes its cluster; a dropped watch is re-established', async () => {
  const admin = new FakeControlPlaneAdmin();
  const reports: ReconcileReport[] = [];
  const config = kubeConfigFor(api.url, 'apps');
  const controller = new ClusterController({
    timers: realTimers,
    reconcile: (namespace, name) =>
      reconcileCluster({ kube, adminFor: () => admin, nowMs: () => 0 }, namespace, name),
    ...createSources(kube, config, 'apps'),
    resyncMs: 3_600_000,
    restartDelayMinMs: 5,
    onReport: (report) => reports.push(report),
  });
  await controller.start();
  try {
    seed('one');
    await eventually(
      () => api.get('StatefulSet', 'apps', 'one-storage') !== undefined,
      'the storage StatefulSet',
    );
    const before = reports.filter((report) => report.key === 'apps/one').length;
    settleStatefulSet(api, 'apps', 'one-storage');
    await eventually(
      () => reports.filter((report) => report.key === 'apps/one').length > before,
      'a reconcile triggered by the StatefulSet status change',
    );

    api.closeWatches();
    seed('two');
    await eventually(
      () => api.get('StatefulSet', 'apps', 'two-storage') !== undefined,
      'a reconcile after the watch restarted',
    );
    assert.ok(
      reports.every((report) => report.outcome.result !== 'error'),
      JSON.stringify(reports.filter((r) => r.outcome.result === 'error')),
    );
  } finally {
    await controller.stop();
  }
});

test('a failing reconcile is retried with backoff until it succeeds', async () => {
  let calls = 0;
  const reports: ReconcileReport[] = [];
  const controller = new ClusterController({
    timers: realTimers,
    reconcile: () => {
      calls += 1;
      return calls < 3 ? Promise.reject(new Error('boom')) : Promise.resolve({ result: 'done' });
    },
    clusterSource: {
      list: () =>
        Promise.resolve({
          items: [{ metadata: { name: 'x', namespace: 'n', resourceVersion: '1' } }],
          resourceVersion: '1',
        }),
      watch: () => Promise.resolve(() => undefined),
    },
    onReport: (report) => reports.push(report),
  });
  await controller.start();
  try {
    await eventually(() => calls >= 3, 'three attempts', 10_000);
    assert.deepEqual(
      reports.map((report) => report.outcome.result),
      ['error', 'error', 'done'],
    );
    const retries = reports.flatMap((report) =>
      'retryInMs' in report.outcome ? [report.outcome.retryInMs] : [],
    );
    assert.deepEqual(retries, [200, 400]);
  } finally {
    await controller.stop();
  }
});
