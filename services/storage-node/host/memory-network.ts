// An in-process network of hosts for tests: batches are delivered asynchronously (as a real
// transport would), and nodes can be cut off to simulate a crash or a partition.
import type { AddressedMessage, MessageSender, StorageHost } from './host.js';

/** Delivers batches between hosts in one process. */
export class MemoryNetwork {
  private readonly hosts = new Map<string, StorageHost>();
  private readonly down = new Set<string>();
  /** Every batch handed to the network, for assertions about batching. */
  readonly batches: { from: string; to: string; messages: readonly AddressedMessage[] }[] = [];

  /** The sender a host on `nodeId` uses. */
  sender(nodeId: string): MessageSender {
    return {
      send: (to, messages) => {
        if (this.batches.length < 10_000) this.batches.push({ from: nodeId, to, messages });
        if (this.down.has(nodeId) || this.down.has(to)) return;
        setImmediate(() => {
          if (this.down.has(nodeId) || this.down.has(to)) return;
          this.hosts.get(to)?.receive(messages);
        });
      },
    };
  }

  /** Attaches (or re-attaches after a restart) the host of a node. */
  attach(host: StorageHost): void {
    this.hosts.set(host.nodeId, host);
    this.down.delete(host.nodeId);
  }

  /** Cuts a node off: nothing reaches it or leaves it. */
  isolate(nodeId: string): void {
    this.down.add(nodeId);
  }

  /** Reconnects a node. */
  heal(nodeId: string): void {
    this.down.delete(nodeId);
  }
}

/** Lets pending I/O callbacks and message deliveries run (no timers involved). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Ticks every host and settles, until `done()` or `ticksMax` ticks; answers whether done. */
export async function tickUntil(
  hosts: readonly StorageHost[],
  done: () => boolean | Promise<boolean>,
  ticksMax: number,
): Promise<boolean> {
  for (let tick = 0; tick < ticksMax; tick++) {
    if (await done()) return true;
    for (const host of hosts) host.tick();
    await settle();
  }
  return done();
}
