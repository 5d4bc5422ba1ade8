// The replica's apply queue: batches of committed writes applied one after another, in the
// order they were queued (log order), each once its gate (local durability) opens, while the
// Ready loop moves on. And the pure planning step that picks which committed entries may go
// there: client writes only; anything else is applied in line by the replica.
import type { Entry } from '../../../lib/raft/index.js';
import { decodeCommand, type ClientWriteCommand } from './entry-codec.js';

/** A committed write entry (one write or a batch) and its decoded command, for the apply queue. */
export interface PlannedWrite {
  readonly entry: Entry;
  readonly command: ClientWriteCommand;
}

/**
 * The write or batch-write command of an entry the engine does not hold yet (`engineApplied`), if it is one;
 * undefined for membership changes, no-ops, splits, addresses and replayed entries.
 */
export function planWrite(entry: Entry, engineApplied: number): PlannedWrite | undefined {
  if (entry.type !== 'normal' || entry.data.length === 0 || entry.index <= engineApplied)
    return undefined;
  const command = decodeCommand(entry.data);
  return command?.kind === 'write' ||
    command?.kind === 'batch-write' ||
    command?.kind === 'blind-batch'
    ? { entry, command }
    : undefined;
}

/** The entries as writes for the apply queue; undefined when any of them is not one. */
export function planWrites(
  entries: readonly Entry[],
  engineApplied: number,
): PlannedWrite[] | undefined {
  const writes: PlannedWrite[] = [];
  for (const entry of entries) {
    const write = planWrite(entry, engineApplied);
    if (write === undefined) return undefined;
    writes.push(write);
  }
  return writes;
}

/** Runs queued tasks one at a time, in queue order; counts those not finished yet. */
export class ApplyQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  /** Tasks queued and not finished. */
  get size(): number {
    return this.queued;
  }

  /**
   * Runs `task` after every task queued before it. A task that throws is reported to
   * `failed` and does not stop the tasks after it.
   */
  enqueue(task: () => Promise<void>, failed: (error: unknown) => void): void {
    this.queued++;
    this.tail = this.tail.then(async () => {
      try {
        await task();
      } catch (error) {
        failed(error);
      } finally {
        this.queued--;
      }
    });
  }

  /** Resolves once every task queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
