// A bounded pool of gRPC channels, one per address, shared by every client of the process.
//
// A router talks to every storage node and a storage node to its peers; opening a channel
// per call would cost a TCP and HTTP/2 handshake each time. The pool keeps one channel per
// address, up to a limit, closing the least recently used one when it must make room.
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { Client } from '@grpc/grpc-js';
import { createClient, openChannel } from './client.js';
import type { ClientOptions, ServiceClient } from './client.js';

/** Options of a client pool. */
export interface ClientPoolOptions extends ClientOptions {
  /** Most channels kept open at once. */
  readonly channelsMax?: number;
}

interface PoolEntry {
  readonly channel: Client;
  readonly clients: Map<string, unknown>;
}

/** One channel per address, with typed clients bound to them. */
export class ClientPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly channelsMax: number;
  private closed = false;

  /** @param options channel limit and the options of every channel and call. */
  constructor(private readonly options: ClientPoolOptions = {}) {
    this.channelsMax = options.channelsMax ?? 256;
    if (!(this.channelsMax >= 1)) throw new Error('channelsMax must be at least 1');
  }

  /** Channels open now. */
  get size(): number {
    return this.entries.size;
  }

  /** A typed client for `service` at `address` (`host:port`), on the pooled channel. */
  client<S extends GenServiceMethods>(service: GenService<S>, address: string): ServiceClient<S> {
    if (this.closed) throw new Error('client pool is closed');
    const entry = this.entry(address);
    const cached = entry.clients.get(service.typeName);
    if (cached !== undefined) return cached as ServiceClient<S>;
    const client = createClient(service, entry.channel, this.options);
    entry.clients.set(service.typeName, client);
    return client;
  }

  /** Closes the channel to `address`, if open (for example after the node left). */
  evict(address: string): void {
    const entry = this.entries.get(address);
    if (entry === undefined) return;
    this.entries.delete(address);
    entry.channel.close();
  }

  /** Closes every channel; calls in flight fail with CANCELLED or UNAVAILABLE. */
  close(): void {
    this.closed = true;
    for (const address of [...this.entries.keys()]) this.evict(address);
  }

  private entry(address: string): PoolEntry {
    const existing = this.entries.get(address);
    if (existing !== undefined) {
      // Re-insert to keep the map in least-recently-used order.
      this.entries.delete(address);
      this.entries.set(address, existing);
      return existing;
    }
    if (this.entries.size >= this.channelsMax) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.evict(oldest);
    }
    const entry: PoolEntry = { channel: openChannel(address, this.options), clients: new Map() };
    this.entries.set(address, entry);
    return entry;
  }
}
