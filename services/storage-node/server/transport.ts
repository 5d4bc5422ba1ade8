// Raft traffic between storage nodes over gRPC. Outbound: one long-lived `Exchange` stream per
// peer node carrying batches of messages of every group (the host batches them per peer), with
// a bounded queue per peer; snapshots go by `InstallSnapshot` in chunks under a bandwidth bound.
// Inbound: both RPCs hand messages to the host.
import {
  bindService,
  createClient,
  openChannel,
  untilAborted,
  type ServiceBinding,
  type ServiceClient,
} from '../../../lib/grpc/index.js';
import { RaftTransport } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import type { RaftMessage, SnapshotMetadata } from '../../../lib/raft/index.js';
import type { AddressedMessage, MessageSender, StorageHost } from '../host/host.js';
import { coalesce, expandHeartbeats, messageFromProto, messageToProto } from './raft-codec.js';

/** Limits of the transport. */
export interface TransportLimits {
  /** Batches queued for one peer while its stream is busy; more are dropped (Raft resends). */
  readonly peerBatchesMax: number;
  /** Bytes per InstallSnapshot chunk. */
  readonly snapshotChunkBytes: number;
  /** Snapshot bandwidth per transfer, bytes per second. */
  readonly snapshotBytesPerSecond: number;
  /** Largest snapshot accepted from a peer. */
  readonly snapshotBytesMax: number;
  /** Wait before reopening a failed stream. */
  readonly reconnectDelayMs: number;
}

/** Defaults: small queues (Raft tolerates loss better than latency), 32 MB/s snapshots. */
export const defaultTransportLimits: TransportLimits = {
  peerBatchesMax: 256,
  snapshotChunkBytes: 1024 * 1024,
  snapshotBytesPerSecond: 32 * 1024 * 1024,
  snapshotBytesMax: 512 * 1024 * 1024,
  reconnectDelayMs: 200,
};

type Init<T> = T extends (requests: AsyncIterable<infer I>, ...rest: never[]) => unknown
  ? I
  : never;
type ExchangeInit = Init<ServiceClient<typeof RaftTransport.method>['exchange']>;

/** An async queue the request side of a stream pulls from. */
class Outbox<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;

  constructor(private readonly itemsMax: number) {}

  /** Queues an item; false when full or closed. */
  push(item: T): boolean {
    if (this.closed || this.items.length >= this.itemsMax) return false;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter({ value: item, done: false });
    } else this.items.push(item);
    return true;
  }

  close(): void {
    this.closed = true;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
    };
  }
}

/** Entry bytes per Exchange batch (one message always goes, whatever its size). */
const exchangeBatchBytes = 4 * 1024 * 1024;

/** Splits messages, in order, into runs of at most `bytesMax` entry bytes (one message at least). */
export function byEntryBytes<
  T extends { readonly message: { readonly entries: readonly { readonly data: Uint8Array }[] } },
>(messages: readonly T[], bytesMax: number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = m.message.entries.reduce((sum, entry) => sum + entry.data.length, 0);
    if (part.length > 0 && bytes + size > bytesMax) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(m);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

interface Peer {
  readonly address: string;
  readonly client: ServiceClient<typeof RaftTransport.method>;
  readonly close: () => void;
  outbox: Outbox<ExchangeInit> | undefined;
  retryAtMs: number;
}

/** The gRPC sender: one Exchange stream per peer, reopened after failures. */
export class GrpcMessageSender implements MessageSender {
  private readonly peers = new Map<string, Peer>();
  private readonly limits: TransportLimits;
  private closed = false;
  /** Counters for metrics and tests. */
  readonly stats = {
    batchesSent: 0,
    batchesDropped: 0,
    snapshotsSent: 0,
    snapshotFailures: 0,
    heartbeatsCoalesced: 0,
  };

  constructor(
    private readonly nodeId: string,
    private readonly addressOf: (nodeId: string) => string | undefined,
    limits: Partial<TransportLimits> = {},
  ) {
    this.limits = { ...defaultTransportLimits, ...limits };
  }

  send(toNodeId: string, messages: readonly AddressedMessage[]): void {
    const peer = this.peer(toNodeId);
    if (peer === undefined) {
      this.stats.batchesDropped++;
      return;
    }
    const plain = messages.filter((m) => m.message.type !== 'snapshot');
    for (const m of messages) if (m.message.type === 'snapshot') void this.sendSnapshot(peer, m);
    if (plain.length === 0) return;
    const outbox = this.stream(peer);
    // Every group's heartbeats to this peer travel coalesced in the turn's first batch.
    const { heartbeats, others } = coalesce(plain);
    this.stats.heartbeatsCoalesced += heartbeats.length;
    // A stream message must stay under gRPC's message bound (20 MiB): a turn's messages go in
    // batches of at most `exchangeBatchBytes` of entries (big BatchWrite entries: 8 MiB each).
    const parts = others.length === 0 ? [[]] : byEntryBytes(others, exchangeBatchBytes);
    for (const [index, part] of parts.entries()) {
      const batch: ExchangeInit = {
        fromNodeId: this.nodeId,
        messages: part.map(messageToProto),
        heartbeats: index === 0 ? heartbeats : [],
      };
      if (outbox === undefined || !outbox.push(batch)) this.stats.batchesDropped++;
      else this.stats.batchesSent++;
    }
  }

  private peer(nodeId: string): Peer | undefined {
    const address = this.addressOf(nodeId);
    if (address === undefined || this.closed) return undefined;
    const known = this.peers.get(nodeId);
    if (known !== undefined && known.address === address) return known;
    known?.close();
    const channel = openChannel(address);
    const peer: Peer = {
      address,
      client: createClient(RaftTransport, channel, { defaultTimeoutMs: 60_000 }),
      close: () => {
        peer.outbox?.close();
        channel.close();
      },
      outbox: undefined,
      retryAtMs: 0,
    };
    this.peers.set(nodeId, peer);
    return peer;
  }

  private stream(peer: Peer): Outbox<ExchangeInit> | undefined {
    if (peer.outbox !== undefined) return peer.outbox;
    if (performance.now() < peer.retryAtMs) return undefined;
    const outbox = new Outbox<ExchangeInit>(this.limits.peerBatchesMax);
    peer.outbox = outbox;
    void this.drain(peer, outbox);
    return outbox;
  }

  /** Reads the stream's answers until it ends; then the next send reopens it (after a pause). */
  private async drain(peer: Peer, outbox: Outbox<ExchangeInit>): Promise<void> {
    try {
      for await (const _answer of peer.client.exchange(outbox)) {
        // Flow-control feedback only; the bounded outbox is the backpressure.
      }
    } catch {
      // The peer is down or restarting: Raft resends what was lost.
    } finally {
      outbox.close();
      if (peer.outbox === outbox) peer.outbox = undefined;
      peer.retryAtMs = performance.now() + this.limits.reconnectDelayMs;
    }
  }

  private async sendSnapshot(
    peer: Peer,
    { partitionId, message }: AddressedMessage,
  ): Promise<void> {
    const snapshot = message.snapshot;
    if (snapshot === undefined) return;
    const { snapshotChunkBytes: chunkBytes, snapshotBytesPerSecond: rate } = this.limits;
    const header = new TextEncoder().encode(
      JSON.stringify({ message: { ...message, snapshot: undefined }, metadata: snapshot.metadata }),
    );
    const data = snapshot.data;
    const nodeId = this.nodeId;
    async function* chunks() {
      const started = performance.now();
      for (let offset = 0; offset === 0 || offset < data.length; offset += chunkBytes) {
        // The bandwidth bound: never ahead of `rate` bytes per second since the start.
        const aheadMs = (offset / rate) * 1000 - (performance.now() - started);
        if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, aheadMs));
        yield {
          groupId: partitionId,
          fromNodeId: nodeId,
          term: BigInt(message.term),
          index: BigInt(snapshot!.metadata.index),
          metadata: offset === 0 ? header : new Uint8Array(0),
          chunk: data.subarray(offset, offset + chunkBytes),
          last: offset + chunkBytes >= data.length,
        };
      }
    }
    try {
      const answer = await peer.client.installSnapshot(chunks(), { timeoutMs: 10 * 60_000 });
      if (answer.accepted) this.stats.snapshotsSent++;
      else this.stats.snapshotFailures++;
    } catch {
      // The leader retries the snapshot after its snapshot timeout.
      this.stats.snapshotFailures++;
    }
  }

  /** Closes every stream and channel. */
  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
  }
}

/** Binds the RaftTransport service: received traffic goes to the host. */
export function raftTransportService(
  host: StorageHost,
  limits: Partial<TransportLimits> = {},
  onSnapshotReceived: (bytes: number) => void = () => {},
): ServiceBinding {
  const { snapshotBytesMax } = { ...defaultTransportLimits, ...limits };
  return bindService(RaftTransport, {
    async *exchange(requests, context) {
      let received = 0n;
      // Peers keep this stream open for good; it ends when this node begins to shut down.
      for await (const request of untilAborted(requests, context.shutdownSignal)) {
        const messages = expandHeartbeats(request.heartbeats, request.fromNodeId, host.nodeId);
        for (const proto of request.messages) {
          const decoded = messageFromProto(proto);
          if (decoded !== undefined) messages.push(decoded);
        }
        host.receive(messages);
        received++;
        // Feedback every 64 batches keeps the answer stream small.
        if (received % 64n === 0n) yield { batchesReceived: received };
      }
    },
    async installSnapshot(requests) {
      const parts: Uint8Array[] = [];
      let header: { message: RaftMessage; metadata: SnapshotMetadata } | undefined;
      let partitionId = '';
      let total = 0;
      for await (const request of requests) {
        if (request.metadata.length > 0) {
          header = JSON.parse(new TextDecoder().decode(request.metadata)) as typeof header;
          partitionId = request.groupId;
        }
        total += request.chunk.length;
        if (total > snapshotBytesMax) return { accepted: false, reason: 'snapshot too large' };
        parts.push(request.chunk);
      }
      if (header === undefined) return { accepted: false, reason: 'no snapshot metadata' };
      const data = new Uint8Array(Buffer.concat(parts));
      onSnapshotReceived(data.length);
      host.receive([
        {
          partitionId,
          message: { ...header.message, snapshot: { metadata: header.metadata, data } },
        },
      ]);
      return { accepted: true, reason: '' };
    },
  });
}
