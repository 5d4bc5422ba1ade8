// Raft messages between control-plane replicas over tessera.storage.v1.RaftTransport's Exchange
// (the storage nodes' transport messages fit: one group, id `control`). The sender keeps one
// bounded queue per peer and at most one call in flight to each; Raft tolerates the loss of any
// message, so a full queue drops its oldest and a failed call reports the peer unreachable.
// A follower that needs entries the leader compacted gets the leader's snapshot image by
// RaftTransport.InstallSnapshot: the message's metadata in the first chunk, the image in bounded
// chunks, at most one snapshot in flight per peer. The receiver verifies the image's checksum
// before Raft sees it.
import { bindService, createClient, openChannel, untilAborted } from '../../../lib/grpc/index.js';
import type { ServiceBinding } from '../../../lib/grpc/index.js';
import { RaftTransport } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import type { RaftMessage as ProtoRaftMessage } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import { makeMessage } from '../../../lib/raft/index.js';
import type {
  ConfState,
  RaftMessage,
  Snapshot,
  SnapshotMetadata,
} from '../../../lib/raft/index.js';
import { raftMessageFromProto, raftMessageToProto } from '../../../lib/raft-proto/codec.js';
import { SNAPSHOT_BYTES_MAX, snapshotImageHeader } from '../replica/snapshot-file.js';

/** The Raft group id control-plane messages carry. */
export const CONTROL_GROUP_ID = 'control';
/** Messages queued per peer before the oldest are dropped. */
export const PEER_QUEUE_MESSAGES_MAX = 4_096;
/** Messages in one Exchange request. */
export const MESSAGES_PER_CALL_MAX = 256;
/** Image bytes per InstallSnapshot chunk (well inside gRPC's message limit). */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** The longest an InstallSnapshot call may take before the leader tries again. */
export const SNAPSHOT_CALL_TIMEOUT_MS = 60_000;

/** A Raft message as a proto initialiser (lib/raft-proto's wire form, group `control`). */
export function messageToProto(message: RaftMessage) {
  return raftMessageToProto(CONTROL_GROUP_ID, message);
}

/** A received message, or undefined when it is malformed or for another group (dropped). */
export function messageFromProto(proto: ProtoRaftMessage): RaftMessage | undefined {
  const decoded = raftMessageFromProto(proto);
  if (decoded === undefined || decoded.groupId !== CONTROL_GROUP_ID) return undefined;
  // A snapshot's image never travels in Exchange (it goes by InstallSnapshot).
  return decoded.message.type === 'snapshot' ? undefined : decoded.message;
}

/**
 * What the first InstallSnapshot chunk carries besides image bytes: the fields of a Raft
 * snapshot message that matter (every other field of such a message is zero).
 */
interface SnapshotHeader {
  readonly from: string;
  readonly to: string;
  readonly term: number;
  readonly metadata: SnapshotMetadata;
}

/** The InstallSnapshot requests that carry `message`'s snapshot (at least one, even if empty). */
export function snapshotRequests(
  fromNodeId: string,
  message: RaftMessage & { snapshot: Snapshot },
  chunkBytes = SNAPSHOT_CHUNK_BYTES,
) {
  const { snapshot } = message;
  const header: SnapshotHeader = {
    from: message.from,
    to: message.to,
    term: message.term,
    metadata: snapshot.metadata,
  };
  const metadata = new TextEncoder().encode(JSON.stringify(header));
  const data = snapshot.data;
  const requests = [];
  for (let offset = 0; offset === 0 || offset < data.length; offset += chunkBytes) {
    requests.push({
      groupId: CONTROL_GROUP_ID,
      fromNodeId,
      term: BigInt(message.term),
      index: BigInt(snapshot.metadata.index),
      metadata: offset === 0 ? metadata : new Uint8Array(0),
      chunk: data.subarray(offset, offset + chunkBytes),
      last: offset + chunkBytes >= data.length,
    });
  }
  return requests;
}

/** One received InstallSnapshot request, as far as reassembly needs. */
interface SnapshotChunk {
  readonly groupId: string;
  readonly metadata: Uint8Array;
  readonly chunk: Uint8Array;
}

/**
 * Reassembles an InstallSnapshot stream into the Raft message it carries, refusing (with a
 * reason) another group's snapshot, more than `bytesMax` bytes, a malformed header and an image
 * whose checksum, index or term is wrong — a corrupted image never reaches Raft.
 */
export async function receiveSnapshot(
  requests: AsyncIterable<SnapshotChunk>,
  bytesMax = SNAPSHOT_BYTES_MAX,
): Promise<{ ok: true; message: RaftMessage } | { ok: false; reason: string }> {
  const parts: Uint8Array[] = [];
  let header: SnapshotHeader | undefined;
  let total = 0;
  for await (const request of requests) {
    if (request.groupId !== CONTROL_GROUP_ID)
      return { ok: false, reason: `not the control group: ${request.groupId}` };
    if (request.metadata.length > 0) header = parseSnapshotHeader(request.metadata);
    total += request.chunk.length;
    if (total > bytesMax) return { ok: false, reason: `snapshot over ${bytesMax} bytes` };
    parts.push(request.chunk);
  }
  if (header === undefined) return { ok: false, reason: 'no or malformed snapshot metadata' };
  const data = new Uint8Array(Buffer.concat(parts));
  const image = snapshotImageHeader(data);
  if (!image.ok) return { ok: false, reason: `snapshot image refused: ${image.message}` };
  const { index, term } = header.metadata;
  if (image.value.index !== index || image.value.term !== term)
    return {
      ok: false,
      reason: `image at ${image.value.index}/${image.value.term}, not ${index}/${term}`,
    };
  const { from, to, metadata } = header;
  return {
    ok: true,
    message: makeMessage({
      type: 'snapshot',
      from,
      to,
      term: header.term,
      snapshot: { metadata, data },
    }),
  };
}

/** The header, checked field by field: a malformed one never reaches Raft. */
function parseSnapshotHeader(bytes: Uint8Array): SnapshotHeader | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { from, to, term, metadata } = parsed;
  if (typeof from !== 'string' || typeof to !== 'string' || !isCount(term)) return undefined;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { index, term: snapshotTerm, confState } = metadata as Record<string, unknown>;
  if (!isCount(index) || !isCount(snapshotTerm) || !isConfState(confState)) return undefined;
  return { from, to, term, metadata: { index, term: snapshotTerm, confState } };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isConfState(value: unknown): value is ConfState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  const ids = (list: unknown): boolean =>
    Array.isArray(list) && list.every((id) => typeof id === 'string');
  return (
    ids(state.voters) &&
    ids(state.learners) &&
    ids(state.votersOutgoing) &&
    ids(state.learnersNext) &&
    typeof state.autoLeave === 'boolean'
  );
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
    async installSnapshot(requests) {
      const received = await receiveSnapshot(requests);
      if (!received.ok) return { accepted: false, reason: received.reason };
      // Resolves once the driver has persisted (and installed) the image.
      await deliver(received.message);
      return { accepted: true, reason: '' };
    },
  });
}

interface Peer {
  readonly queue: RaftMessage[];
  sending: boolean;
  readonly client: ReturnType<typeof createClient<typeof RaftTransport.method>>;
  readonly close: () => void;
}

/** Hooks and limits of a {@link PeerSender}. */
export interface PeerSenderOptions {
  /** Told whether a snapshot reached the peer and was installed (the driver tells Raft). */
  readonly onSnapshotStatus?: (peerId: string, installed: boolean, reason: string) => void;
  readonly callTimeoutMs?: number;
  readonly snapshotTimeoutMs?: number;
}

/** The sending side: one queue and one call at a time per peer, plus one snapshot per peer. */
export class PeerSender {
  private readonly peers = new Map<string, Peer>();
  private readonly snapshotsInFlight = new Set<string>();
  private closed = false;
  /** Counters for tests and logs. */
  readonly stats = { snapshotsSent: 0, snapshotFailures: 0 };

  constructor(
    private readonly replicaId: string,
    addresses: ReadonlyMap<string, string>,
    private readonly onUnreachable: (peerId: string) => void,
    private readonly options: PeerSenderOptions = {},
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
      if (peer === undefined) continue;
      if (message.type === 'snapshot') {
        this.startSnapshot(message.to, peer, message);
        continue;
      }
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

  /** Sends a snapshot unless one is already on its way to that peer (Raft resends later). */
  private startSnapshot(id: string, peer: Peer, message: RaftMessage): void {
    const snapshot = message.snapshot;
    if (snapshot === undefined || this.snapshotsInFlight.has(id)) return;
    const report = (installed: boolean, reason: string): void => {
      this.snapshotsInFlight.delete(id);
      if (installed) this.stats.snapshotsSent += 1;
      else this.stats.snapshotFailures += 1;
      this.options.onSnapshotStatus?.(id, installed, reason);
    };
    if (snapshot.data.length > SNAPSHOT_BYTES_MAX) {
      report(false, `snapshot of ${snapshot.data.length} bytes exceeds ${SNAPSHOT_BYTES_MAX}`);
      return;
    }
    this.snapshotsInFlight.add(id);
    const requests = snapshotRequests(this.replicaId, { ...message, snapshot });
    peer.client
      .installSnapshot(
        (async function* () {
          yield* requests;
        })(),
        { timeoutMs: this.options.snapshotTimeoutMs ?? SNAPSHOT_CALL_TIMEOUT_MS },
      )
      .then(
        (answer) => report(answer.accepted, answer.reason),
        (error: unknown) => report(false, error instanceof Error ? error.message : String(error)),
      );
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
          { timeoutMs: this.options.callTimeoutMs ?? 2_000 },
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
