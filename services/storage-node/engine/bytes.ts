// Byte-string helpers shared by every engine and by hosts that build key ranges.

/** Bytewise unsigned comparison: negative when `a < b`, zero when equal, positive otherwise. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = a[i]! - b[i]!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** True when `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

/**
 * The smallest key greater than every key that starts with `prefix`, for turning a prefix into
 * an exclusive upper bound (`deleteRange(prefix, prefixEnd(prefix))`). `undefined` when the
 * prefix is empty or all `0xff`, which has no such bound (the range is open above).
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = end[i]! + 1;
      return end;
    }
  }
  return undefined;
}

/** Encodes a string as UTF-8 bytes (for tests and readable fixed keys). */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
