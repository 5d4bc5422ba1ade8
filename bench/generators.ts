// Key choosers as YCSB defines them (site.ycsb.generator): uniform, zipfian (Gray et al.,
// "Quickly Generating Billion-Record Synthetic Databases", SIGMOD 1994), scrambled zipfian
// and skewed-latest. Pure: randomness comes from an injected seeded source.
import type { Random } from './random.js';

/** YCSB's default zipfian constant. */
export const ZIPFIAN_CONSTANT = 0.99;

/**
 * The item count YCSB's scrambled zipfian draws from before hashing, and ζ(10¹⁰, 0.99),
 * which YCSB precomputes because summing ten billion terms is too slow.
 */
export const SCRAMBLED_ITEM_COUNT = 10_000_000_000;
export const SCRAMBLED_ZETAN = 26.46902820178302;

/** Largest item count whose ζ this module sums term by term (larger needs a precomputed ζ). */
export const ZETA_TERMS_MAX = 50_000_000;

/** ζ(n, θ) = Σ_{i=1..n} 1/i^θ, continued from a partial sum over the first `from` terms. */
export function zeta(n: number, theta: number, from = 0, partial = 0): number {
  if (n - from > ZETA_TERMS_MAX) throw new Error(`zeta: ${n - from} terms exceed the limit`);
  let sum = partial;
  for (let i = from; i < n; i += 1) sum += 1 / Math.pow(i + 1, theta);
  return sum;
}

/** A zipfian generator over [0, itemCount) whose item count may grow between draws. */
export interface Zipfian {
  /** Draws an item in [0, itemCount); item 0 is the most popular. */
  next(itemCount: number): number;
}

/**
 * Creates Gray et al.'s zipfian generator, as YCSB's ZipfianGenerator: rank 0 and 1 are
 * exact, higher ranks follow the paper's closed-form approximation. ζ is extended
 * incrementally when the item count grows (as for the latest distribution).
 */
export function createZipfian(
  random: Random,
  initialItemCount: number,
  theta = ZIPFIAN_CONSTANT,
  precomputedZetan?: number,
): Zipfian {
  const zeta2 = zeta(2, theta);
  const alpha = 1 / (1 - theta);
  let countForZeta = initialItemCount;
  let zetan = precomputedZetan ?? zeta(initialItemCount, theta);
  let eta = (1 - Math.pow(2 / initialItemCount, 1 - theta)) / (1 - zeta2 / zetan);
  return {
    next(itemCount) {
      if (itemCount !== countForZeta) {
        // Growing continues the sum; shrinking (rare) recomputes it, as YCSB does.
        zetan =
          itemCount > countForZeta
            ? zeta(itemCount, theta, countForZeta, zetan)
            : zeta(itemCount, theta);
        countForZeta = itemCount;
        eta = (1 - Math.pow(2 / itemCount, 1 - theta)) / (1 - zeta2 / zetan);
      }
      const u = random.nextFloat();
      const uz = u * zetan;
      if (uz < 1) return 0;
      if (uz < 1 + Math.pow(0.5, theta)) return 1;
      const value = Math.floor(itemCount * Math.pow(eta * u - eta + 1, alpha));
      return Math.min(value, itemCount - 1);
    },
  };
}

const FNV_OFFSET_BASIS_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 1099511628211n;
const MASK_64 = (1n << 64n) - 1n;

/**
 * YCSB's `Utils.fnvhash64`: FNV-1a over the eight little-endian bytes of `value`, taken as
 * a signed 64-bit integer and made non-negative. Used to scramble and to name keys.
 */
export function fnvHash64(value: number): bigint {
  let hash = FNV_OFFSET_BASIS_64;
  let rest = BigInt(value);
  for (let i = 0; i < 8; i += 1) {
    hash ^= rest & 0xffn;
    hash = (hash * FNV_PRIME_64) & MASK_64;
    rest >>= 8n;
  }
  const signed = BigInt.asIntN(64, hash);
  return signed < 0n ? -signed : signed;
}

/** A generator of integers in a fixed range. */
export interface NumberGenerator {
  next(): number;
}

/** Uniform integers in [min, max]. */
export function createUniform(random: Random, min: number, max: number): NumberGenerator {
  return { next: () => min + random.nextInt(max - min + 1) };
}

/**
 * YCSB's ScrambledZipfianGenerator: zipfian popularity, but the popular items are spread
 * over the key space by hashing, so they do not cluster at the start of the table.
 */
export function createScrambledZipfian(random: Random, min: number, max: number): NumberGenerator {
  const itemCount = BigInt(max - min + 1);
  const zipfian = createZipfian(random, SCRAMBLED_ITEM_COUNT, ZIPFIAN_CONSTANT, SCRAMBLED_ZETAN);
  return { next: () => min + Number(fnvHash64(zipfian.next(SCRAMBLED_ITEM_COUNT)) % itemCount) };
}

/**
 * YCSB's SkewedLatestGenerator: the most recently inserted record is the most popular, with
 * zipfian popularity by age. `latest()` returns the newest record number.
 */
export function createSkewedLatest(random: Random, latest: () => number): NumberGenerator {
  const zipfian = createZipfian(random, Math.max(1, latest() + 1));
  return {
    next() {
      const newest = latest();
      return newest - zipfian.next(newest + 1);
    },
  };
}
