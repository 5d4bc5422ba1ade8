import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HASH_MIN,
  HASH_SPACE_SIZE,
  bigIntToHash,
  bytesToHash,
  cutHashSpace,
  endToBigInt,
  hashInRange,
  hashToBigInt,
  isHashHex,
  rangeWidth,
} from './hash-space.js';

test('hash hex round-trips through bigint and orders as numbers', () => {
  for (const value of [0n, 1n, 255n, 1n << 64n, HASH_SPACE_SIZE - 1n]) {
    const hex = bigIntToHash(value);
    assert.equal(hex.length, 32);
    assert.ok(isHashHex(hex));
    assert.equal(hashToBigInt(hex), value);
  }
  assert.ok(bigIntToHash(9n) < bigIntToHash(10n), 'lexicographic order must be numeric order');
  assert.throws(() => bigIntToHash(HASH_SPACE_SIZE));
  assert.equal(isHashHex('ABCDEF00000000000000000000000000'), false, 'upper case is not canonical');
  assert.equal(bytesToHash(new Uint8Array(16).fill(255)), 'f'.repeat(32));
});

test('cutHashSpace covers the space contiguously with equal widths', () => {
  for (const count of [1, 2, 3, 4, 7, 16]) {
    const ranges = cutHashSpace(count);
    assert.equal(ranges.length, count);
    assert.equal(ranges[0]?.start, HASH_MIN);
    assert.equal(ranges[count - 1]?.end, null);
    for (let index = 1; index < count; index += 1) {
      assert.equal(ranges[index]?.start, ranges[index - 1]?.end);
    }
    const widths = ranges.map(rangeWidth);
    const total = widths.reduce((sum, width) => sum + width, 0n);
    assert.equal(total, HASH_SPACE_SIZE);
    const spread =
      widths.reduce((m, w) => (w > m ? w : m), 0n) -
      widths.reduce((m, w) => (w < m ? w : m), HASH_SPACE_SIZE);
    assert.ok(spread <= 1n, `widths differ by ${spread}`);
  }
});

test('hashInRange treats end as exclusive and null as the end of the space', () => {
  const mid = bigIntToHash(1n << 127n);
  assert.ok(hashInRange(HASH_MIN, HASH_MIN, mid));
  assert.ok(!hashInRange(mid, HASH_MIN, mid));
  assert.ok(hashInRange('f'.repeat(32), mid, null));
  assert.equal(endToBigInt(null), HASH_SPACE_SIZE);
});
