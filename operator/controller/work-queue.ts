/**
 * A work queue of object keys in the style of client-go's: a key is queued at most once,
 * a key being processed is never handed to a second worker (a change during processing
 * queues it again afterwards), delayed re-adds, and per-key exponential backoff for
 * failures. Bounded: adding beyond `lengthMax` distinct keys is a programmer error.
 */
import type { Timers } from './timers.js';

/** Settings of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** First retry delay after a failure. */
  baseDelayMs?: number;
  /** Longest retry delay. */
  maxDelayMs?: number;
  /** Most distinct keys the queue may hold. */
  lengthMax?: number;
}

/** The work queue. */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { atMs: number; cancel: () => void }>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly lengthMax: number;

  constructor(
    private readonly timers: Timers,
    options: WorkQueueOptions = {},
  ) {
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.lengthMax = options.lengthMax ?? 10_000;
  }

  /** Queues a key now, unless it is already queued. */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    if (this.queued.size >= this.lengthMax)
      throw new Error(`work queue holds ${this.lengthMax} keys`);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
  }

  /** Queues a key after a delay; an earlier pending delay for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const atMs = this.timers.nowMs() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.atMs <= atMs) return;
    pending?.cancel();
    const cancel = this.timers.after(delayMs, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { atMs, cancel });
  }

  /** Queues a key after its failure backoff: base × 2^(failures − 1), capped. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delayMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures - 1, 30));
    this.addAfter(key, delayMs);
    return delayMs;
  }

  /** Clears a key's failure count after it succeeded. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Waits for the next key; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it changed meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Keys waiting (not counting delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Stops handing out keys; waiting `get()` calls resolve with undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const pending of this.delayed.values()) pending.cancel();
    this.delayed.clear();
    for (const waiter of this.waiters) waiter(undefined);
    this.waiters = [];
  }
}
