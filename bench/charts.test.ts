// The SVG builder's output is well-formed XML (checked by a small strict parser below),
// escapes text, and draws what the result contains.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHistogram } from './histogram.js';
import { latencyReport } from './report.js';
import type { BenchResult, PhaseReport } from './report.js';
import { renderComparisonChart, renderRunChart } from './result-charts.js';
import { escapeXml, niceStep, renderChart } from './svg-chart.js';

/**
 * Checks XML well-formedness strictly enough for generated SVG: one root element, balanced
 * and properly nested tags, quoted attributes without raw `<`, no duplicate attributes,
 * and `&` only in the five predefined entities or numeric references. Returns the root name.
 */
function assertWellFormedXml(xml: string): string {
  const entity = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
  const checkText = (text: string): void => {
    for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
      assert.ok(entity.test(text.slice(i)), `bad entity at ${text.slice(i, i + 12)}`);
    }
    assert.ok(
      !text.includes('<') && !text.includes('>'),
      `raw angle bracket in ${text.slice(0, 40)}`,
    );
  };
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let root: string | undefined;
  while (rest.length > 0) {
    const open = rest.indexOf('<');
    if (open === -1) {
      assert.equal(rest.trim(), '', 'text after the root element');
      break;
    }
    const text = rest.slice(0, open);
    if (stack.length === 0) assert.equal(text.trim(), '', 'text outside the root element');
    checkText(text);
    const close = rest.indexOf('>', open);
    assert.ok(close !== -1, 'unterminated tag');
    const tag = rest.slice(open + 1, close);
    rest = rest.slice(close + 1);
    if (tag.startsWith('/')) {
      assert.equal(tag.slice(1).trim(), stack.pop(), 'mismatched closing tag');
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[A-Za-z_][\w:.-]*/.exec(body)?.[0];
    assert.ok(name !== undefined, `bad tag <${tag}>`);
    if (root === undefined) root = name;
    else assert.ok(stack.length > 0, 'second root element');
    const attributes = body.slice(name.length);
    const attributePattern = /\s+([A-Za-z_][\w:.-]*)="([^"<]*)"/gy;
    const seen = new Set<string>();
    let consumed = 0;
    for (
      let match = attributePattern.exec(attributes);
      match !== null;
      match = attributePattern.exec(attributes)
    ) {
      assert.ok(!seen.has(match[1]!), `duplicate attribute ${match[1]}`);
      seen.add(match[1]!);
      checkText(match[2]!.replace(/>/g, ''));
      consumed = attributePattern.lastIndex;
    }
    assert.equal(attributes.slice(consumed).trim(), '', `bad attributes in <${tag}>`);
    if (!selfClosing) stack.push(name);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.ok(root !== undefined, 'no root element');
  return root;
}

test('the XML checker rejects what is not well formed', () => {
  assert.throws(() => assertWellFormedXml('<svg><g></svg>'));
  assert.throws(() => assertWellFormedXml('<svg a="1" a="2"/>'));
  assert.throws(() => assertWellFormedXml('<svg>a & b</svg>'));
  assert.throws(() => assertWellFormedXml('<svg/><svg/>'));
  assert.equal(assertWellFormedXml('<svg x="&amp;"><g/>t &lt; u</svg>'), 'svg');
});

function phase(name: 'load' | 'run'): PhaseReport {
  const histogram = createHistogram();
  for (let value = 100; value < 100_000; value += 37) histogram.record(value);
  return {
    phase: name,
    elapsedMs: 3000,
    operations: 2700,
    errors: 0,
    operationsPerSecond: 900,
    stopReason: 'duration',
    byOperation: {
      read: latencyReport(histogram, 1350, 0, 3000),
      update: latencyReport(histogram, 1350, 0, 3000),
    },
    errorsByType: {},
    timeline: [1, 2, 3].map((second) => ({
      atSeconds: second,
      operations: 900,
      errors: 0,
      operationsPerSecond: 900 + second,
      p50Ms: 1 + second / 10,
      p99Ms: 9,
    })),
  };
}

const result: BenchResult = {
  tool: 'tessera-bench',
  version: 1,
  startedAt: '2026-11-27T18:00:00.000Z',
  target: 'dynalite <"&">',
  endpoint: 'http://127.0.0.1:1',
  workload: 'a',
  workloadDescription: 'YCSB A',
  settings: {},
  machine: {},
  phases: [phase('load'), phase('run')],
};

test('a run chart is well-formed SVG with the three panels and escaped names', () => {
  const svg = renderRunChart(result);
  assert.equal(assertWellFormedXml(svg), 'svg');
  assert.ok(svg.includes('dynalite &lt;&quot;&amp;&quot;&gt;'));
  for (const title of [
    'Throughput (run phase)',
    'Latency over time',
    'Latency percentiles by operation',
  ]) {
    assert.ok(svg.includes(title), title);
  }
  assert.equal((svg.match(/<polyline /g) ?? []).length, 1 + 2 + 2);
});

test('a comparison chart is well-formed SVG with one line per target', () => {
  const run = phase('run');
  const svg = renderComparisonChart('a', [
    { name: 'dynalite', rounds: [run, run], merged: { read: run.byOperation.read! } },
    { name: 'tessera', rounds: [run, run], merged: { read: run.byOperation.read! } },
  ]);
  assert.equal(assertWellFormedXml(svg), 'svg');
  assert.ok(svg.includes('tessera read'));
});

test('empty and degenerate data still render well-formed SVG', () => {
  assert.equal(assertWellFormedXml(renderChart('empty', [])), 'svg');
  const flat = renderChart('flat', [
    { title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [] }] },
  ]);
  assert.equal(assertWellFormedXml(flat), 'svg');
  assert.ok(!flat.includes('NaN'));
});

test('helpers: escaping and nice tick steps', () => {
  assert.equal(escapeXml(`<a href='x'>&"`), '&lt;a href=&apos;x&apos;&gt;&amp;&quot;');
  assert.equal(niceStep(100), 20);
  assert.equal(niceStep(7), 1);
  assert.equal(niceStep(0.03), 0.005);
});
