// A bounded least-recently-used cache of parsed expressions, for callers (the storage node)
// that see the same expression text and placeholders many times. Owned by the caller: the
// library keeps no global state.

import type { Result } from '../errors.js';

/** A cache of parse results keyed by expression kind, text and placeholders. */
export class ParseCache<T> {
  private readonly entries = new Map<string, Result<T>>();

  constructor(
    /** The most entries kept; the least recently used is evicted first. */
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    }
  }

  /** The number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached result for `key`, or `parse()` stored under it. Failures are cached too: the
   * same bad expression gets the same error without parsing again.
   */
  get(key: string, parse: () => Result<T>): Result<T> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      // Re-insert so that Map order tracks recency.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const result = parse();
    this.entries.set(key, result);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return result;
  }
}

/** A cache key for an expression and the wire placeholders it was parsed with. */
export function parseCacheKey(
  kind: string,
  text: string,
  names: unknown,
  wireValues: unknown,
): string {
  return JSON.stringify([kind, text, names ?? null, wireValues ?? null]);
}
