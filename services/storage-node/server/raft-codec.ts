// Raft messages ⇄ tessera.storage.v1.RaftMessage for the storage node's transport, through
// lib/raft-proto (the one wire form every Raft transport shares). A snapshot's metadata and
// image travel separately, in InstallSnapshot chunks (transport.ts).
import type { RaftMessage as ProtoRaftMessage } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import { raftMessageFromProto, raftMessageToProto } from '../../../lib/raft-proto/codec.js';
import type { AddressedMessage } from '../host/host.js';

/** A message as a proto initializer (without the snapshot, which goes by InstallSnapshot). */
export function messageToProto({ partitionId, message }: AddressedMessage) {
  return raftMessageToProto(partitionId, message);
}

/** A received proto message, or undefined when it is malformed (it is then dropped). */
export function messageFromProto(proto: ProtoRaftMessage): AddressedMessage | undefined {
  const decoded = raftMessageFromProto(proto);
  return decoded === undefined
    ? undefined
    : { partitionId: decoded.groupId, message: decoded.message };
}
