import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { allMetricSpecs, metricsCatalogue, routerMetrics, storageMetrics } from './catalogue.js';
import { registerMetrics } from './register.js';

const prefixes = {
  router: 'tessera_router_',
  storage: 'tessera_storage_',
  raft: 'tessera_raft_',
  control: 'tessera_control_',
  operator: 'tessera_operator_',
} as const;

test('every metric name is unique, prefixed by its section and well formed', () => {
  const names = allMetricSpecs().map((spec) => spec.name);
  assert.equal(new Set(names).size, names.length);
  for (const [section, metrics] of Object.entries(metricsCatalogue)) {
    for (const spec of Object.values(metrics)) {
      assert.ok(spec.name.startsWith(prefixes[section as keyof typeof prefixes]), spec.name);
      assert.match(spec.name, /^[a-z_][a-z0-9_]*$/);
      if (spec.type === 'counter') assert.ok(spec.name.endsWith('_total'), spec.name);
      else assert.ok(!spec.name.endsWith('_total'), spec.name);
      if (spec.type === 'histogram') {
        const sorted = [...spec.buckets].sort((a, b) => a - b);
        assert.deepEqual([...spec.buckets], sorted, `${spec.name} buckets ascend`);
      }
      assert.ok(spec.help.length > 10, `${spec.name} has help`);
    }
  }
});

test('registerMetrics creates typed metrics that export under the catalogue names', async () => {
  const registry = new Registry();
  const router = registerMetrics(registry, routerMetrics);
  const storage = registerMetrics(registry, storageMetrics);
  router.requests.inc({ operation: 'GetItem', table: 'Music', outcome: 'ok' });
  router.requestDuration.observe({ operation: 'GetItem' }, 0.003);
  router.partitionMapEpoch.set(7);
  storage.leaders.set(3);
  const text = await registry.metrics();
  assert.match(
    text,
    /tessera_router_requests_total\{operation="GetItem",table="Music",outcome="ok"\} 1/,
  );
  assert.match(
    text,
    /tessera_router_request_duration_seconds_bucket\{le="0.005",operation="GetItem"\} 1/,
  );
  assert.match(text, /tessera_router_partition_map_epoch 7/);
  assert.match(text, /tessera_storage_leaders 3/);
});

test('registering a section twice in one registry is refused', () => {
  const registry = new Registry();
  registerMetrics(registry, routerMetrics);
  assert.throws(() => registerMetrics(registry, routerMetrics), /already been registered/);
});
