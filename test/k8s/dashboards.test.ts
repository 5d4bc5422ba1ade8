import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { allMetricSpecs } from '../../lib/metrics/catalogue.js';
import { clusterNames, componentLabels } from '../../operator/api/names.js';
import { resolveSpec } from '../../operator/api/types.js';
import { buildServiceMonitor } from '../../operator/builders/cluster-objects.js';
import { runHelm } from './helm-binary.js';

const directory = 'helm/tessera-cluster/dashboards';

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}

/** PromQL words that are not metric names. */
const promqlWords = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'histogram_quantile',
  'abs',
  'ceil',
  'floor',
  'round',
  'clamp_min',
  'clamp_max',
  'label_replace',
  'label_join',
  'time',
  'vector',
  'scalar',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'count_over_time',
  'absent',
  'resets',
  'changes',
]);

/** The metric names a PromQL expression selects. */
export function metricsIn(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((name) => !promqlWords.has(name) && !/^[0-9]/.test(name)))];
}

/** Every name a catalogue metric exports (histograms: `_bucket`, `_sum`, `_count`). */
function exportedNames(): Set<string> {
  const names = new Set<string>();
  for (const spec of allMetricSpecs()) {
    if (spec.type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${spec.name}${suffix}`);
    } else {
      names.add(spec.name);
    }
  }
  return names;
}

function load(): Map<string, Dashboard> {
  const dashboards = new Map<string, Dashboard>();
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    dashboards.set(file, JSON.parse(readFileSync(`${directory}/${file}`, 'utf8')) as Dashboard);
  }
  return dashboards;
}

function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

test('the extractor finds metric names and ignores functions, labels and ranges', () => {
  assert.deepEqual(
    metricsIn(
      'histogram_quantile(0.99, sum by (le, operation) (rate(tessera_router_request_duration_seconds_bucket{pod=~"x-.*", outcome!="ok"}[$__rate_interval])))',
    ),
    ['tessera_router_request_duration_seconds_bucket'],
  );
  assert.deepEqual(metricsIn('sum(rate(a_total[5m])) / sum(rate(b_count[5m]))'), [
    'a_total',
    'b_count',
  ]);
});

test('every metric a dashboard panel queries is one the services export', () => {
  const exported = exportedNames();
  const missing: string[] = [];
  let queried = 0;
  for (const [file, dashboard] of load()) {
    for (const panel of panelsOf(dashboard)) {
      for (const target of panel.targets ?? []) {
        for (const metric of metricsIn(target.expr)) {
          queried += 1;
          if (!exported.has(metric)) missing.push(`${file} "${panel.title}": ${metric}`);
        }
      }
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(queried > 30, `${queried} metric references checked`);
  // The check is live: a misspelt metric is caught.
  assert.ok(!exported.has('tessera_router_request_total'));
});

test('the three dashboards exist with unique uids and the panels the operators need', () => {
  const dashboards = load();
  assert.deepEqual([...dashboards.keys()], ['control-plane.json', 'overview.json', 'storage.json']);
  const uids = [...dashboards.values()].map((dashboard) => dashboard.uid);
  assert.equal(new Set(uids).size, uids.length);
  const titles = (file: string) =>
    panelsOf(dashboards.get(file) as Dashboard)
      .map((panel) => panel.title)
      .join(' | ');
  for (const wanted of [
    /Requests\/s by operation/,
    /p50 latency/,
    /p99 latency/,
    /Errors/,
    /Throttled/,
  ]) {
    assert.match(titles('overview.json'), wanted);
  }
  for (const wanted of [
    /Partition replicas per node/,
    /Leaders per node/,
    /Raft commit latency/,
    /Log sync/,
    /RocksDB size/,
  ]) {
    assert.match(titles('storage.json'), wanted);
  }
  for (const wanted of [/nodes by state/, /Under-replicated/, /moves/i, /Splits/]) {
    assert.match(titles('control-plane.json'), wanted);
  }
  for (const dashboard of dashboards.values()) {
    for (const panel of panelsOf(dashboard))
      assert.ok(
        (panel.targets ?? []).length > 0,
        `${dashboard.title}: ${panel.title} queries something`,
      );
  }
});

test('the labels panels filter on are the ones both ServiceMonitors attach', () => {
  const components = new Set<string>();
  for (const dashboard of load().values()) {
    for (const panel of panelsOf(dashboard)) {
      for (const target of panel.targets ?? []) {
        for (const match of target.expr.matchAll(/component="([^"]+)"/g))
          components.add(match[1] ?? '');
        if (/tessera_(router|storage|raft|control)_/.test(target.expr)) {
          assert.match(
            target.expr,
            /tessera_cluster="\$cluster"/,
            `${panel.title} filters by cluster`,
          );
        }
      }
    }
  }
  const podComponents = (['storage', 'control-plane', 'router'] as const).map(
    (component) => componentLabels('demo', component, '1')['app.kubernetes.io/component'],
  );
  assert.deepEqual([...components].sort(), [...podComponents].sort());
  const operatorMonitor = buildServiceMonitor({
    cluster: {
      apiVersion: 'tessera.dev/v1alpha1',
      kind: 'TesseraCluster',
      metadata: { name: 'demo', namespace: 'db', uid: 'u' },
      spec: { version: '1', storage: { replicas: 3 } },
    },
    names: clusterNames('demo', 'db'),
    spec: resolveSpec({ version: '1', storage: { replicas: 3 } }),
  });
  const chartMonitor = runHelm([
    'template',
    'demo',
    'helm/tessera-cluster',
    '--set',
    'serviceMonitor.enabled=true',
    '--show-only',
    'templates/servicemonitor.yaml',
  ]);
  const operatorTargets = JSON.stringify(operatorMonitor.spec.endpoints);
  for (const label of ['tessera_cluster', 'component']) {
    assert.ok(
      operatorTargets.includes(`"targetLabel":"${label}"`),
      `operator ServiceMonitor sets ${label}`,
    );
    assert.match(
      chartMonitor,
      new RegExp(`targetLabel: ${label}\\b`),
      `chart ServiceMonitor sets ${label}`,
    );
  }
});

/** TypeScript files under `directory`, tests excluded. */
function sourceFiles(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory() && !['node_modules', 'gen', 'dist'].includes(entry.name))
      found.push(...sourceFiles(path));
    else if (entry.isFile() && path.endsWith('.ts') && !path.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

test('services create metrics only through the catalogue, so the dashboards see what they export', () => {
  const allowed = new Set(['lib/metrics/register.ts']);
  const offenders: string[] = [];
  for (const file of ['services', 'lib', 'operator'].flatMap(sourceFiles)) {
    if (allowed.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const valueImport =
      /import\s*\{[^}]*\b(Counter|Gauge|Histogram|Summary)\b[^}]*\}\s*from\s*'prom-client'/.test(
        text,
      );
    if (valueImport || /new\s+(Counter|Gauge|Histogram|Summary)\s*\(/.test(text))
      offenders.push(file);
  }
  assert.deepEqual(offenders, []);
});
