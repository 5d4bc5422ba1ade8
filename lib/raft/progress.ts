// What a leader knows about each follower's log, and the flow control that bounds how
// much it sends ahead of acknowledgements. Modelled on etcd's tracker/progress.go.

/**
 * probe: the leader does not know where the follower's log matches; it sends one append
 * at a time and waits. replicate: the logs match up to `match`; appends are pipelined up
 * to the in-flight bound. snapshot: a snapshot is on its way; nothing else is sent.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A bounded ring of in-flight append messages (their last index and payload size). */
export class Inflights {
  private readonly indexes: number[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;
  readonly maxMessages: number;
  readonly maxBytes: number;

  constructor(maxMessages: number, maxBytes: number) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  add(lastIndex: number, sizeBytes: number): void {
    this.indexes.push(lastIndex);
    this.sizes.push(sizeBytes);
    this.bytes += sizeBytes;
  }

  /** Frees every message whose last index is ≤ `index` (they are acknowledged). */
  freeLE(index: number): void {
    let count = 0;
    while (count < this.indexes.length && (this.indexes[count] as number) <= index) {
      this.bytes -= this.sizes[count] as number;
      count++;
    }
    if (count > 0) {
      this.indexes.splice(0, count);
      this.sizes.splice(0, count);
    }
  }

  /** Frees the oldest message (used when acknowledgements may have been lost). */
  freeFirst(): void {
    const first = this.indexes[0];
    if (first !== undefined) this.freeLE(first);
  }

  full(): boolean {
    return this.indexes.length >= this.maxMessages || this.bytes >= this.maxBytes;
  }

  count(): number {
    return this.indexes.length;
  }

  reset(): void {
    this.indexes.length = 0;
    this.sizes.length = 0;
    this.bytes = 0;
  }
}

/** The leader's view of one peer. */
export class Progress {
  /** The highest index known to match the leader's log. */
  match = 0;
  /** The next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In `snapshot` state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Ticks spent in the snapshot state; a lost snapshot is retried after a bound. */
  snapshotElapsedTicks = 0;
  /** Whether the peer has been heard from since the last CheckQuorum. */
  recentActive = true;
  /** In probe state: an append is outstanding; in replicate: the in-flight window is full. */
  paused = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(
    next: number,
    isLearner: boolean,
    maxInflightMessages: number,
    maxInflightBytes: number,
  ) {
    this.next = Math.max(next, 1);
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflightMessages, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.paused = false;
    this.pendingSnapshot = 0;
    this.snapshotElapsedTicks = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records an acknowledgement up to `index`; returns whether `match` advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.paused = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** Accounts for an append just sent carrying `count` entries ending at `lastIndex`. */
  sentEntries(count: number, lastIndex: number, sizeBytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, sizeBytes);
      }
      this.paused = this.inflights.full();
    } else if (this.state === 'probe') {
      this.paused = true;
    }
  }

  /**
   * Handles a rejected append at `rejected`; `matchHint` is the follower's guess of the
   * last matching index. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.paused = false;
    return true;
  }

  isPaused(): boolean {
    if (this.state === 'snapshot') return true;
    return this.paused;
  }
}
