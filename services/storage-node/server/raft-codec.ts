// Raft messages ⇄ tessera.storage.v1.RaftMessage for the storage node's transport, through
// lib/raft-proto (the one wire form every Raft transport shares). A snapshot's metadata and
// image travel separately, in InstallSnapshot chunks (transport.ts).
import type { RaftMessage as ProtoRaftMessage } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import {
  coalescedHeartbeat,
  heartbeatFromCoalesced,
  raftMessageFromProto,
  raftMessageToProto,
  type CoalescedHeartbeatInit,
} from '../../../lib/raft-proto/codec.js';
import type { AddressedMessage } from '../host/host.js';

/** A message as a proto initializer (without the snapshot, which goes by InstallSnapshot). */
export function messageToProto({ partitionId, message }: AddressedMessage) {
  return raftMessageToProto(partitionId, message);
}

/**
 * Splits a turn's messages to one peer: plain heartbeats and their answers of every group go
 * coalesced (group, term, commit, round — the endpoints are the batch's), the rest as messages.
 */
export function coalesce(messages: readonly AddressedMessage[]): {
  heartbeats: CoalescedHeartbeatInit[];
  others: AddressedMessage[];
} {
  const heartbeats: CoalescedHeartbeatInit[] = [];
  const others: AddressedMessage[] = [];
  for (const addressed of messages) {
    const heartbeat = coalescedHeartbeat(addressed.partitionId, addressed.message);
    if (heartbeat === undefined) others.push(addressed);
    else heartbeats.push(heartbeat);
  }
  return { heartbeats, others };
}

/** The messages coalesced heartbeats from `from` to `to` stand for. */
export function expandHeartbeats(
  heartbeats: readonly CoalescedHeartbeatInit[],
  from: string,
  to: string,
): AddressedMessage[] {
  return heartbeats.map((heartbeat) => {
    const { groupId, message } = heartbeatFromCoalesced(heartbeat, from, to);
    return { partitionId: groupId, message };
  });
}

/** A received proto message, or undefined when it is malformed (it is then dropped). */
export function messageFromProto(proto: ProtoRaftMessage): AddressedMessage | undefined {
  const decoded = raftMessageFromProto(proto);
  return decoded === undefined
    ? undefined
    : { partitionId: decoded.groupId, message: decoded.message };
}
