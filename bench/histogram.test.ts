import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHistogram } from './histogram.js';
import { createRandom } from './random.js';

function exactPercentile(sorted: readonly number[], percentile: number): number {
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1]!;
}

for (const significantDigits of [2, 3]) {
  test(`percentiles are within 10^-${significantDigits} of the exact values`, () => {
    const histogram = createHistogram({ highestTrackableValue: 3_600_000_000, significantDigits });
    const random = createRandom(significantDigits);
    const values: number[] = [];
    for (let i = 0; i < 50_000; i += 1) {
      // Log-uniform from 1 µs to ~100 s covers every bucket magnitude.
      const value = Math.round(Math.exp(random.nextFloat() * Math.log(1e8)));
      values.push(value);
      histogram.record(value);
    }
    values.sort((a, b) => a - b);
    const tolerance = 10 ** -significantDigits;
    for (const p of [1, 10, 50, 90, 95, 99, 99.9, 99.99, 100]) {
      const exact = exactPercentile(values, p);
      const reported = histogram.percentile(p);
      assert.ok(
        Math.abs(reported - exact) <= exact * tolerance + 1,
        `p${p}: reported ${reported}, exact ${exact}`,
      );
    }
    const summary = histogram.summary();
    assert.equal(summary.count, values.length);
    assert.equal(summary.min, values[0]);
    assert.equal(summary.max, values.at(-1));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(summary.mean - mean) < 1e-6 * mean);
  });
}

test('small values are exact and powers of two land in the right bucket', () => {
  const histogram = createHistogram({ highestTrackableValue: 1_000_000, significantDigits: 3 });
  for (const value of [0, 1, 2, 1023, 1024, 2047, 2048, 4096, 65_536]) {
    const single = createHistogram(histogram.config);
    single.record(value);
    assert.equal(single.percentile(50), value, `value ${value}`);
    histogram.record(value);
  }
  assert.equal(histogram.percentile(100), 65_536);
});

test('values above the maximum are clamped and counted', () => {
  const histogram = createHistogram({ highestTrackableValue: 1000, significantDigits: 2 });
  histogram.record(5);
  histogram.record(50_000);
  assert.equal(histogram.clampedCount(), 1);
  assert.equal(histogram.summary().max, 1000);
});

test('merge equals recording everything in one histogram', () => {
  const a = createHistogram();
  const b = createHistogram();
  const both = createHistogram();
  const random = createRandom(9);
  for (let i = 0; i < 10_000; i += 1) {
    const value = 1 + random.nextInt(1_000_000);
    (i % 3 === 0 ? a : b).record(value);
    both.record(value);
  }
  a.merge(b);
  for (const p of [50, 99, 99.9, 100]) assert.equal(a.percentile(p), both.percentile(p));
  assert.deepEqual(a.summary().count, both.summary().count);
  assert.throws(() =>
    a.merge(createHistogram({ highestTrackableValue: 10, significantDigits: 1 })),
  );
});

test('an empty histogram reports zeros', () => {
  const histogram = createHistogram();
  assert.equal(histogram.percentile(99), 0);
  assert.deepEqual(histogram.summary(), { count: 0, min: 0, max: 0, mean: 0 });
});

test('values around every power of two keep their precision and order', () => {
  const histogram = createHistogram();
  const values: number[] = [];
  for (let k = 1; k <= 29; k += 1) {
    for (const value of [2 ** k - 1, 2 ** k, 2 ** k + 1]) {
      values.push(value);
      histogram.record(value);
    }
  }
  values.sort((a, b) => a - b);
  let previous = 0;
  for (let rank = 1; rank <= values.length; rank += 1) {
    const reported = histogram.percentile((rank / values.length) * 100);
    const exact = values[rank - 1]!;
    assert.ok(
      Math.abs(reported - exact) <= exact * 1e-3 + 1,
      `rank ${rank}: ${reported} vs ${exact}`,
    );
    assert.ok(reported >= previous, 'percentiles never decrease');
    previous = reported;
  }
});
