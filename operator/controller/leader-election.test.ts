import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { V1Lease } from '@kubernetes/client-node';
import { createKubeClient, kubeConfigFor } from '../kube/client.js';
import type { KubeClient } from '../kube/client.js';
import type { FakeApiServer } from '../testing/fake-api-server.js';
import { startFakeApiServer } from '../testing/fake-api-server.js';
import { LeaderElector, decideLease } from './leader-election.js';
import { FakeTimers } from './timers.js';

let api: FakeApiServer;
let kube: KubeClient;

before(async () => {
  api = await startFakeApiServer();
  kube = createKubeClient(kubeConfigFor(api.url, 'ops'));
});
after(() => api.close());

test('decideLease: create, renew own, follow a fresh holder, take over an expired or released lease', () => {
  const lease = (holder: string, renewTime: string): V1Lease => ({
    spec: { holderIdentity: holder, renewTime: new Date(renewTime), leaseDurationSeconds: 15 },
  });
  const now = Date.parse('2026-01-01T00:00:20Z');
  assert.equal(decideLease(undefined, 'a', now), 'create');
  assert.equal(decideLease(lease('a', '2026-01-01T00:00:00Z'), 'a', now), 'renew');
  assert.equal(decideLease(lease('b', '2026-01-01T00:00:10Z'), 'a', now), 'follow');
  assert.equal(decideLease(lease('b', '2026-01-01T00:00:05Z'), 'a', now), 'take-over');
  assert.equal(decideLease(lease('', '2026-01-01T00:00:19Z'), 'a', now), 'take-over');
});

function elector(
  identity: string,
  timers: FakeTimers,
  events: string[],
  leaseName: string,
): LeaderElector {
  return new LeaderElector(kube, timers, {
    namespace: 'ops',
    leaseName,
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    onStartedLeading: () => events.push(`${identity} leads`),
    onStoppedLeading: () => events.push(`${identity} stopped`),
  });
}

test('one replica leads; the other takes over only after the lease expires', async () => {
  const timers = new FakeTimers(Date.parse('2026-01-01T00:00:00Z'));
  const events: string[] = [];
  const a = elector('a', timers, events, 'lease-1');
  const b = elector('b', timers, events, 'lease-1');
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(await b.tryAcquireOrRenew(), false);
  timers.advance(10_000);
  assert.equal(await a.tryAcquireOrRenew(), true, 'the holder renews');
  timers.advance(14_000);
  assert.equal(await b.tryAcquireOrRenew(), false, 'renewed 14 s ago: still held');
  timers.advance(1_000);
  assert.equal(await b.tryAcquireOrRenew(), true, 'expired: b takes over');
  const lease = api.get('Lease', 'ops', 'lease-1');
  assert.equal((lease?.spec as V1Lease['spec'])?.holderIdentity, 'b');
  assert.equal((lease?.spec as V1Lease['spec'])?.leaseTransitions, 1);
});

test('two replicas racing for an expired lease: the resourceVersion check lets only one win', async () => {
  const timers = new FakeTimers(Date.parse('2026-01-01T00:00:00Z'));
  const a = elector('a', timers, [], 'lease-2');
  const b = elector('b', timers, [], 'lease-2');
  const c = elector('c', timers, [], 'lease-2');
  assert.equal(await c.tryAcquireOrRenew(), true);
  timers.advance(60_000);
  const results = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
  assert.equal(results.filter(Boolean).length, 1, `exactly one wins: ${JSON.stringify(results)}`);
});

test('the election loop reports leadership, steps down on stop and releases the lease', async () => {
  const timers = new FakeTimers(Date.parse('2026-01-01T00:00:00Z'));
  const events: string[] = [];
  const a = elector('a', timers, events, 'lease-3');
  a.start();
  timers.advance(0);
  const end = Date.now() + 5000;
  while (!a.isLeader && Date.now() < end) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(events, ['a leads']);
  await a.stop();
  assert.deepEqual(events, ['a leads', 'a stopped']);
  assert.equal((api.get('Lease', 'ops', 'lease-3')?.spec as V1Lease['spec'])?.holderIdentity, '');
  const b = elector('b', timers, [], 'lease-3');
  assert.equal(await b.tryAcquireOrRenew(), true, 'a released lease is taken at once');
});
