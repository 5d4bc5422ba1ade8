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
  return new HdrHistogram(config);
}

class HdrHistogram implements Histogram {
  readonly config: Readonly<HistogramConfig>;
  readonly counts: Float64Array;
  private readonly subBucketHalfCountMagnitude: number;
  private readonly subBucketCount: number;
  private readonly subBucketHalfCount: number;
  private total = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  private sum = 0;
  private clamped = 0;

  constructor(config: HistogramConfig) {
    const { highestTrackableValue, significantDigits } = config;
    if (!(
      Number.isInteger(significantDigits) &&
      significantDigits >= 1 &&
      significantDigits <= 5
    )) {
      throw new Error(`histogram: significantDigits must be 1-5, got ${significantDigits}`);
    }
    if (!(Number.isSafeInteger(highestTrackableValue) && highestTrackableValue >= 2)) {
      throw new Error(`histogram: bad highestTrackableValue ${highestTrackableValue}`);
    }
    this.config = config;
    // The sub-bucket count is the power of two that resolves 2 * 10^d values one by one;
    // every later bucket doubles the unit and keeps half as many sub-buckets.
    const subBucketCountMagnitude = Math.ceil(Math.log2(2 * 10 ** significantDigits));
    this.subBucketHalfCountMagnitude = subBucketCountMagnitude - 1;
    this.subBucketCount = 2 ** subBucketCountMagnitude;
    this.subBucketHalfCount = this.subBucketCount / 2;
    const lastBucket = this.bucketIndexOf(highestTrackableValue);
    this.counts = new Float64Array((lastBucket + 2) * this.subBucketHalfCount);
  }

  private bucketIndexOf(value: number): number {
    if (value < this.subBucketCount) return 0;
    let bucket = Math.floor(Math.log2(value)) - this.subBucketHalfCountMagnitude;
    // Math.log2 may round across a power of two; correct so the sub-index is in range.
    if (Math.floor(value / 2 ** bucket) >= this.subBucketCount) bucket += 1;
    if (bucket > 0 && Math.floor(value / 2 ** bucket) < this.subBucketHalfCount) bucket -= 1;
    return bucket;
  }

  private indexOf(value: number): number {
    const bucket = this.bucketIndexOf(value);
    const subIndex = Math.floor(value / 2 ** bucket);
    return (bucket + 1) * this.subBucketHalfCount + (subIndex - this.subBucketHalfCount);
  }

  private highestEquivalent(index: number): number {
    const bucket = Math.max(0, Math.floor(index / this.subBucketHalfCount) - 1);
    const subIndex = index - (bucket + 1) * this.subBucketHalfCount + this.subBucketHalfCount;
    return (subIndex + 1) * 2 ** bucket - 1;
  }

  record(value: number): void {
    let v = Math.max(0, Math.round(value));
    if (v > this.config.highestTrackableValue) {
      v = this.config.highestTrackableValue;
      this.clamped += 1;
    }
    this.counts[this.indexOf(v)]! += 1;
    this.total += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram): void {
    if (
      other.config.highestTrackableValue !== this.config.highestTrackableValue ||
      other.config.significantDigits !== this.config.significantDigits
    ) {
      throw new Error('histogram: cannot merge histograms with different configurations');
    }
    const summary = other.summary();
    if (summary.count === 0) return;
    for (let i = 0; i < this.counts.length; i += 1) this.counts[i]! += other.counts[i]!;
    this.total += summary.count;
    this.sum += summary.mean * summary.count;
    this.clamped += other.clampedCount();
    this.min = Math.min(this.min, summary.min);
    this.max = Math.max(this.max, summary.max);
  }

  percentile(percentile: number): number {
    if (this.total === 0) return 0;
    const share = Math.min(100, Math.max(0, percentile)) / 100;
    // The epsilon keeps float noise (15/87*100/100*87 = 15.000000000000002) from skipping a rank.
    const rank = Math.max(1, Math.ceil(share * this.total - 1e-9));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i += 1) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, this.highestEquivalent(i)));
    }
    return this.max;
  }

  summary(): HistogramSummary {
    return this.total === 0
      ? { count: 0, min: 0, max: 0, mean: 0 }
      : { count: this.total, min: this.min, max: this.max, mean: this.sum / this.total };
  }

  clampedCount(): number {
    return this.clamped;
  }
}
