import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, crc32cBytewise } from './crc32c.js';

test('crc32c matches the published check values', () => {
  // The standard check value of CRC-32C over "123456789" (RFC 3720 appendix B.4 family).
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // RFC 3720 B.4: 32 bytes of zeros and 32 bytes of 0xff.
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(crc32c(ascending), 0x46dd794e);
});

test('crc32c of a slice equals the crc of the copied slice', () => {
  const bytes = new TextEncoder().encode('xx123456789yy');
  assert.equal(crc32c(bytes, 2, 11), 0xe3069283);
});

test('the eight-bytes-per-step path equals the bytewise definition at every length and offset', () => {
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= bytes.length; end += 7) {
      assert.equal(
        crc32c(bytes, start, end),
        crc32cBytewise(bytes, start, end),
        `${start}..${end}`,
      );
    }
  }
});
