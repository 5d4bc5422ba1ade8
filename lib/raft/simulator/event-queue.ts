// A min-heap of timed events. Ties break by insertion order, so a run is a pure function
// of its seed.

/** An entry in the queue. */
interface Queued<T> {
  time: number;
  sequence: number;
  event: T;
}

/** A priority queue ordered by (time, insertion order). */
export class EventQueue<T> {
  private readonly heap: Queued<T>[] = [];
  private sequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, event: T): void {
    const heap = this.heap;
    heap.push({ time, sequence: this.sequence++, event });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i] as Queued<T>, heap[parent] as Queued<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Queued<T>, heap[i] as Queued<T>];
      i = parent;
    }
  }

  /** The time of the earliest event (Infinity when empty). */
  peekTime(): number {
    return this.heap[0]?.time ?? Infinity;
  }

  pop(): { time: number; event: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as Queued<T>;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && less(heap[left] as Queued<T>, heap[smallest] as Queued<T>)) {
          smallest = left;
        }
        if (right < heap.length && less(heap[right] as Queued<T>, heap[smallest] as Queued<T>)) {
          smallest = right;
        }
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as Queued<T>, heap[i] as Queued<T>];
        i = smallest;
      }
    }
    return { time: top.time, event: top.event };
  }
}

function less<T>(a: Queued<T>, b: Queued<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
}
