/**
 * Time for the controller machinery, injected so tests drive it with a fake clock
 * instead of sleeping.
 */

/** A clock and one-shot timers. */
export interface Timers {
  nowMs(): number;
  /** Calls `callback` after `delayMs`; returns a function that cancels it. */
  after(delayMs: number, callback: () => void): () => void;
}

/** Real time. Timers are unref'd so they never keep a process alive on their own. */
export const realTimers: Timers = {
  nowMs: () => Date.now(),
  after(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return () => clearTimeout(handle);
  },
};

/** A fake clock for tests: time moves only through {@link FakeTimers.advance}. */
export class FakeTimers implements Timers {
  private now: number;
  private pending: { atMs: number; callback: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  after(delayMs: number, callback: () => void): () => void {
    const id = this.nextId++;
    this.pending.push({ atMs: this.now + delayMs, callback, id });
    return () => {
      this.pending = this.pending.filter((timer) => timer.id !== id);
    };
  }

  /** Moves time forward, firing due timers in order. */
  advance(delayMs: number): void {
    const target = this.now + delayMs;
    for (;;) {
      this.pending.sort((a, b) => a.atMs - b.atMs || a.id - b.id);
      const due = this.pending[0];
      if (!due || due.atMs > target) break;
      this.pending.shift();
      this.now = due.atMs;
      due.callback();
    }
    this.now = target;
  }

  /** Timers waiting to fire. */
  get pendingCount(): number {
    return this.pending.length;
  }
}
