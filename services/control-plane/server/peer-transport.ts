// Raft messages between control-plane replicas over tessera.storage.v1.RaftTransport's Exchange
// (the storage nodes' transport messages fit: one group, id `control`). The sender keeps one
// bounded queue per peer and at most one call in flight to each; Raft tolerates the loss of any
// message, so a full queue drops its oldest and a failed call reports the peer unreachable.
// Snapshots are not sent: the control plane never compacts its log (see docs/control-plane.md),
// so every replica can be caught up from entries.
import {
  bindService,
  createClient,
  GrpcError,
  GrpcStatus,
  openChannel,
  untilAborted,
} from '../../../lib/grpc/index.js';
import type { ServiceBinding } from '../../../lib/grpc/index.js';
import { RaftTransport } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import type { RaftMessage as ProtoRaftMessage } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import type { RaftMessage } from '../../../lib/raft/index.js';
import { raftMessageFromProto, raftMessageToProto } from '../../../lib/raft-proto/codec.js';

/** The Raft group id control-plane messages carry. */
export const CONTROL_GROUP_ID = 'control';
/** Messages queued per peer before the oldest are dropped. */
export const PEER_QUEUE_MESSAGES_MAX = 4_096;
/** Messages in one Exchange request. */
export const MESSAGES_PER_CALL_MAX = 256;

/** A Raft message as a proto initialiser (lib/raft-proto's wire form, group `control`). */
export function messageToProto(message: RaftMessage) {
  return raftMessageToProto(CONTROL_GROUP_ID, message);
}

/** A received message, or undefined when it is malformed or for another group (dropped). */
export function messageFromProto(proto: ProtoRaftMessage): RaftMessage | undefined {
  const decoded = raftMessageFromProto(proto);
  if (decoded === undefined || decoded.groupId !== CONTROL_GROUP_ID) return undefined;
  // The control plane never sends snapshots (its log is not compacted).
  return decoded.message.type === 'snapshot' ? undefined : decoded.message;
}

/** The receiving side: every message goes to `deliver` (the driver's step). */
export function peerTransportService(
  deliver: (message: RaftMessage) => Promise<void>,
): ServiceBinding {
  return bindService(RaftTransport, {
    async *exchange(requests, context) {
      let batches = 0n;
      // Peers keep this stream open for good; it ends when this replica begins to shut down.
      for await (const request of untilAborted(requests, context.shutdownSignal)) {
        for (const proto of request.messages) {
          const message = messageFromProto(proto);
          if (message !== undefined) await deliver(message);
        }
        batches += 1n;
        yield { batchesReceived: batches };
      }
    },
    installSnapshot() {
      return Promise.reject(
        new GrpcError(GrpcStatus.UNIMPLEMENTED, 'the control plane sends no snapshots'),
      );
    },
  });
}

interface Peer {
  readonly queue: RaftMessage[];
  sending: boolean;
  readonly client: ReturnType<typeof createClient<typeof RaftTransport.method>>;
  readonly close: () => void;
}

/** The sending side: one queue and one call at a time per peer. */
export class PeerSender {
  private readonly peers = new Map<string, Peer>();
  private closed = false;

  constructor(
    private readonly replicaId: string,
    addresses: ReadonlyMap<string, string>,
    private readonly onUnreachable: (peerId: string) => void,
    private readonly callTimeoutMs = 2_000,
  ) {
    for (const [id, address] of addresses) {
      if (id === replicaId) continue;
      const channel = openChannel(address);
      this.peers.set(id, {
        queue: [],
        sending: false,
        client: createClient(RaftTransport, channel),
        close: () => channel.close(),
      });
    }
  }

  /** Queues messages for their peers and starts a call where none is running. */
  send(messages: readonly RaftMessage[]): void {
    if (this.closed) return;
    for (const message of messages) {
      const peer = this.peers.get(message.to);
      if (peer === undefined || message.type === 'snapshot') continue;
      peer.queue.push(message);
      if (peer.queue.length > PEER_QUEUE_MESSAGES_MAX) peer.queue.shift();
    }
    for (const [id, peer] of this.peers) {
      if (peer.sending || peer.queue.length === 0) continue;
      peer.sending = true;
      this.flush(id, peer).catch(() => this.onUnreachable(id));
    }
  }

  /** Closes every channel; queued messages are dropped. */
  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
  }

  private async flush(id: string, peer: Peer): Promise<void> {
    try {
      while (peer.queue.length > 0 && !this.closed) {
        const batch = peer.queue.splice(0, MESSAGES_PER_CALL_MAX);
        const request = { fromNodeId: this.replicaId, messages: batch.map(messageToProto) };
        const responses = peer.client.exchange(
          (async function* () {
            yield request;
          })(),
          { timeoutMs: this.callTimeoutMs },
        );
        for await (const response of responses) void response;
      }
    } catch {
      peer.queue.length = 0;
      this.onUnreachable(id);
    } finally {
      peer.sending = false;
    }
  }
}
