// Seeded randomness. The core never calls Math.random(): whoever builds a node injects a
// source, so the simulator can replay a run bit for bit from its seed.

/** A source of uniformly distributed integers. */
export interface RandomSource {
  /** Returns an integer in [0, bound). `bound` is a positive integer ≤ 2^32. */
  nextInt(bound: number): number;
}

/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32. Small, fast, and good
 * enough for scheduling decisions; not for cryptography.
 */
export class Xoshiro128 implements RandomSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    // splitmix32 spreads a small seed over the four state words (never all zero).
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** Returns the next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  nextInt(bound: number): number {
    if (!(bound > 0 && bound <= 0x1_0000_0000)) throw new Error(`random: bad bound ${bound}`);
    // Multiply-shift maps 32 bits onto [0, bound) with negligible bias for small bounds.
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * bound);
  }

  /** Returns true with probability `p` (0 ≤ p ≤ 1). */
  chance(p: number): boolean {
    return this.nextUint32() / 0x1_0000_0000 < p;
  }

  /** Returns an integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.nextInt(high - low + 1);
  }

  /** Picks one element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('random: pick from empty array');
    return items[this.nextInt(items.length)] as T;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
