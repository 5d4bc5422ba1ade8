// An HDR (high dynamic range) latency histogram, after Gil Tene's HdrHistogram: values are
// integers (microseconds here) counted in log-linear buckets, so every recorded value is
// kept to a fixed number of significant decimal digits with a fixed memory footprint.
//
// Precision: with `significantDigits` d, a reported percentile v' and the true value v
// satisfy |v' - v| <= v * 10^-d (plus one unit for tiny values); max and min are exact.

/** A read-only view of a histogram's summary. */
export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** An HDR histogram of non-negative integer values. */
export interface Histogram {
  /** Records one value; values above the trackable maximum are clamped and counted. */
  record(value: number): void;
  /** Adds every count of `other`, which must have the same configuration. */
  merge(other: Histogram): void;
  /** The value at `percentile` (0–100]: the highest value equivalent to that rank's bucket. */
  percentile(percentile: number): number;
  /** Count, exact min and max, mean. Min and max are 0 when empty. */
  summary(): HistogramSummary;
  /** How many recorded values were above the trackable maximum. */
  clampedCount(): number;
  /** The configuration, for merging and copying. */
  readonly config: Readonly<HistogramConfig>;
  /** The raw bucket counts (for merge); do not modify. */
  readonly counts: Float64Array;
}

/** What a histogram tracks. */
export interface HistogramConfig {
  /** Largest value tracked exactly to precision; larger values are clamped to it. */
  readonly highestTrackableValue: number;
  /** Decimal digits of precision, 1–5. */
  readonly significantDigits: number;
}

/** Microsecond latencies up to 10 minutes, to 3 significant digits. */
export const LATENCY_HISTOGRAM: HistogramConfig = {
  highestTrackableValue: 600_000_000,
  significantDigits: 3,
};

/** Creates an empty histogram. */
export function createHistogram(config: HistogramConfig = LATENCY_HISTOGRAM): Histogram {
  const { highestTrackableValue, significantDigits } = config;
  if (!(Number.isInteger(significantDigits) && significantDigits >= 1 && significantDigits <= 5)) {
    throw new Error(`histogram: significantDigits must be 1-5, got ${significantDigits}`);
  }
  if (!(Number.isSafeInteger(highestTrackableValue) && highestTrackableValue >= 2)) {
    throw new Error(`histogram: bad highestTrackableValue ${highestTrackableValue}`);
  }
  // The sub-bucket count is the power of two that resolves 2 * 10^d values one by one.
  const subBucketCountMagnitude = Math.ceil(Math.log2(2 * 10 ** significantDigits));
  const subBucketHalfCountMagnitude = subBucketCountMagnitude - 1;
  const subBucketCount = 2 ** subBucketCountMagnitude;
  const subBucketHalfCount = subBucketCount / 2;
  const bucketIndexOf = (value: number): number =>
    value < subBucketCount ? 0 : Math.floor(Math.log2(value)) - subBucketHalfCountMagnitude;
  const lastBucket = bucketIndexOf(highestTrackableValue);
  const counts = new Float64Array((lastBucket + 2) * subBucketHalfCount);
  let total = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let sum = 0;
  let clamped = 0;

  const indexOf = (value: number): number => {
    const bucket = bucketIndexOf(value);
    // Math.floor(log2) can be off by one near powers of two; the shift fixes the range.
    let subIndex = Math.floor(value / 2 ** bucket);
    let fixedBucket = bucket;
    if (subIndex >= subBucketCount) {
      fixedBucket += 1;
      subIndex = Math.floor(value / 2 ** fixedBucket);
    }
    return (fixedBucket + 1) * subBucketHalfCount + (subIndex - subBucketHalfCount);
  };
  const highestEquivalent = (index: number): number => {
    const bucket = Math.max(0, Math.floor(index / subBucketHalfCount) - 1);
    const subIndex = index - (bucket + 1) * subBucketHalfCount + subBucketHalfCount;
    return (subIndex + 1) * 2 ** bucket - 1;
  };

  const histogram: Histogram = {
    config,
    counts,
    record(value) {
      let v = Math.max(0, Math.round(value));
      if (v > highestTrackableValue) {
        v = highestTrackableValue;
        clamped += 1;
      }
      counts[indexOf(v)]! += 1;
      total += 1;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    },
    merge(other) {
      if (
        other.config.highestTrackableValue !== highestTrackableValue ||
        other.config.significantDigits !== significantDigits
      ) {
        throw new Error('histogram: cannot merge histograms with different configurations');
      }
      const summary = other.summary();
      if (summary.count === 0) return;
      for (let i = 0; i < counts.length; i += 1) counts[i]! += other.counts[i]!;
      total += summary.count;
      sum += summary.mean * summary.count;
      clamped += other.clampedCount();
      min = Math.min(min, summary.min);
      max = Math.max(max, summary.max);
    },
    percentile(percentile) {
      if (total === 0) return 0;
      const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, percentile)) / 100) * total));
      let seen = 0;
      for (let i = 0; i < counts.length; i += 1) {
        seen += counts[i]!;
        if (seen >= rank) return Math.min(max, Math.max(min, highestEquivalent(i)));
      }
      return max;
    },
    summary() {
      return total === 0
        ? { count: 0, min: 0, max: 0, mean: 0 }
        : { count: total, min, max, mean: sum / total };
    },
    clampedCount: () => clamped,
  };
  return histogram;
}
