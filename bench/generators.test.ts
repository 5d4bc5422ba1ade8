// The key choosers against their definitions: frequencies within stated tolerances over a
// fixed seed, so the tests are deterministic and still check the shape of each distribution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SCRAMBLED_ZETAN,
  createScrambledZipfian,
  createSkewedLatest,
  createUniform,
  createZipfian,
  fnvHash64,
  zeta,
} from './generators.js';
import { createRandom } from './random.js';

const SAMPLES = 200_000;

function frequencies(draw: () => number, size: number, samples = SAMPLES): Float64Array {
  const counts = new Float64Array(size);
  for (let i = 0; i < samples; i += 1) {
    const value = draw();
    assert.ok(value >= 0 && value < size && Number.isInteger(value), `out of range: ${value}`);
    counts[value]! += 1;
  }
  return counts.map((count) => count / samples);
}

test('the random source is deterministic per seed and uniform', () => {
  const a = createRandom(42);
  const b = createRandom(42);
  const c = createRandom(43);
  const first = [a.nextUint32(), a.nextUint32(), a.nextUint32()];
  assert.deepEqual(first, [b.nextUint32(), b.nextUint32(), b.nextUint32()]);
  assert.notDeepEqual(first, [c.nextUint32(), c.nextUint32(), c.nextUint32()]);
  const buckets = frequencies(() => Math.floor(a.nextFloat() * 10), 10);
  for (const share of buckets) assert.ok(Math.abs(share - 0.1) < 0.005, `bucket share ${share}`);
});

test('uniform covers [min, max] evenly', () => {
  const generator = createUniform(createRandom(1), 0, 19);
  for (const share of frequencies(() => generator.next(), 20)) {
    assert.ok(Math.abs(share - 0.05) < 0.004, `share ${share}`);
  }
});

test('zipfian matches P(i) = (1/(i+1)^θ) / ζ(n, θ) within tolerance', () => {
  const n = 1000;
  const theta = 0.99;
  const zipfian = createZipfian(createRandom(7), n, theta);
  const observed = frequencies(() => zipfian.next(n), n);
  const zetan = zeta(n, theta);
  let totalVariation = 0;
  for (let i = 0; i < n; i += 1) {
    const expected = 1 / Math.pow(i + 1, theta) / zetan;
    totalVariation += Math.abs(observed[i]! - expected) / 2;
    // Ranks 0 and 1 are exact in Gray's algorithm: hold them to sampling error (~4σ).
    if (i < 2) assert.ok(Math.abs(observed[i]! - expected) < 0.004, `rank ${i}: ${observed[i]}`);
  }
  // Higher ranks follow the paper's approximation: the whole distribution stays close.
  assert.ok(totalVariation < 0.05, `total variation distance ${totalVariation}`);
  // Monotone popularity, summed over decades (single ranks are noisy).
  const decade = (from: number, to: number): number =>
    observed.slice(from, to).reduce((sum, share) => sum + share, 0);
  assert.ok(decade(0, 10) > decade(10, 100) / 2 && decade(10, 100) > decade(100, 1000) / 3);
});

test('zipfian extends ζ incrementally exactly as a fresh computation', () => {
  const grown = createZipfian(createRandom(3), 100);
  const fresh = createZipfian(createRandom(3), 500);
  grown.next(200);
  fresh.next(500);
  for (let i = 0; i < 1000; i += 1) assert.equal(grown.next(500), fresh.next(500));
});

test('the precomputed ζ for scrambled zipfian is ζ(10^10, 0.99) to 1e-9 (spot check by parts)', () => {
  // Summing 10^10 terms is too slow for a test; check the first 10^6 plus the integral tail.
  const head = zeta(1_000_000, 0.99);
  const tail = (Math.pow(1e10 + 0.5, 0.01) - Math.pow(1e6 + 0.5, 0.01)) / 0.01;
  assert.ok(Math.abs(head + tail - SCRAMBLED_ZETAN) < 1e-3, `${head + tail}`);
});

test('scrambled zipfian spreads a zipfian popularity over the key range', () => {
  const n = 10_000;
  const generator = createScrambledZipfian(createRandom(11), 0, n - 1);
  const sorted = [...frequencies(() => generator.next(), n)].sort((a, b) => b - a);
  // The hottest key carries rank 0 of ζ(10^10) (plus hash collisions of other ranks).
  assert.ok(Math.abs(sorted[0]! - 1 / SCRAMBLED_ZETAN) < 0.01, `hottest ${sorted[0]}`);
  assert.ok(sorted[0]! > 50 * sorted[n / 2]!, 'popularity is skewed');
  // Hot keys are not clustered at the start of the table.
  const hot = createScrambledZipfian(createRandom(11), 0, n - 1).next();
  assert.ok(hot > 10, `hottest key ${hot} should not be one of the first keys`);
});

/** Reference FNV-1a 64 over bytes, checked against the published vector for "a". */
function fnv1a64(bytes: readonly number[]): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & ((1n << 64n) - 1n);
  return hash;
}

test('fnvHash64 is FNV-1a over the 8 little-endian bytes, made non-negative as in YCSB', () => {
  assert.equal(fnv1a64([0x61]), 0xaf63dc4c8601ec8cn); // FNV's published vector for "a"
  for (const value of [0, 1, 255, 256, 123_456_789, 9_999_999_999]) {
    const bytes = Array.from({ length: 8 }, (_, i) =>
      Number((BigInt(value) >> BigInt(8 * i)) & 0xffn),
    );
    const signed = BigInt.asIntN(64, fnv1a64(bytes));
    assert.equal(fnvHash64(value), signed < 0n ? -signed : signed, `value ${value}`);
  }
});

test('skewed latest favours the newest records as zipfian by age', () => {
  let newest = 999;
  const generator = createSkewedLatest(createRandom(5), () => newest);
  const observed = frequencies(() => generator.next(), 1000);
  const zetan = zeta(1000, 0.99);
  assert.ok(Math.abs(observed[999]! - 1 / zetan) < 0.004, `newest ${observed[999]}`);
  assert.ok(Math.abs(observed[998]! - 1 / Math.pow(2, 0.99) / zetan) < 0.004);
  newest = 1999;
  const after = frequencies(() => generator.next(), 2000, 50_000);
  assert.ok(after[1999]! > 0.05 && after[999]! < 0.01, 'popularity follows the newest record');
});
