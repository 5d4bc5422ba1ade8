// Raft messages ⇄ tessera.storage.v1.RaftMessage. Fields the proto lacks (the heartbeat round
// and the transfer's forced vote) travel in `context` as JSON; a snapshot's metadata and image
// travel separately, in InstallSnapshot chunks (transport.ts).
import type { EntryType, MessageType, RaftMessage } from '../../../lib/raft/index.js';
import type { RaftMessage as ProtoRaftMessage } from '../../../lib/gen/tessera/storage/v1/storage_pb.js';
import type { AddressedMessage } from '../host/host.js';

const messageTypes: readonly MessageType[] = [
  'append',
  'appendResponse',
  'vote',
  'voteResponse',
  'preVote',
  'preVoteResponse',
  'snapshot',
  'heartbeat',
  'heartbeatResponse',
  'timeoutNow',
];
const entryTypes: readonly EntryType[] = ['normal', 'confChange'];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message as a proto initializer (without the snapshot, which goes by InstallSnapshot). */
export function messageToProto({ partitionId, message }: AddressedMessage) {
  const extra = message.round !== 0 || message.forceVote;
  return {
    groupId: partitionId,
    type: messageTypes.indexOf(message.type),
    from: message.from,
    to: message.to,
    term: BigInt(message.term),
    logTerm: BigInt(message.logTerm),
    index: BigInt(message.index),
    entries: message.entries.map((entry) => ({
      term: BigInt(entry.term),
      index: BigInt(entry.index),
      kind: entryTypes.indexOf(entry.type),
      data: entry.data,
    })),
    commit: BigInt(message.commit),
    reject: message.reject,
    rejectHint: BigInt(message.rejectHint),
    context: extra
      ? encoder.encode(JSON.stringify({ round: message.round, forceVote: message.forceVote }))
      : new Uint8Array(0),
  };
}

/** A received proto message, or undefined when it is malformed (it is then dropped). */
export function messageFromProto(proto: ProtoRaftMessage): AddressedMessage | undefined {
  const type = messageTypes[proto.type];
  if (type === undefined) return undefined;
  let round = 0;
  let forceVote = false;
  if (proto.context.length > 0) {
    try {
      const context = JSON.parse(decoder.decode(proto.context)) as {
        round?: unknown;
        forceVote?: unknown;
      };
      round = typeof context.round === 'number' ? context.round : 0;
      forceVote = context.forceVote === true;
    } catch {
      return undefined;
    }
  }
  const entries = [];
  for (const entry of proto.entries) {
    const kind = entryTypes[entry.kind];
    if (kind === undefined) return undefined;
    entries.push({
      term: Number(entry.term),
      index: Number(entry.index),
      type: kind,
      data: entry.data,
    });
  }
  const message: RaftMessage = {
    type,
    from: proto.from,
    to: proto.to,
    term: Number(proto.term),
    logTerm: Number(proto.logTerm),
    index: Number(proto.index),
    entries,
    commit: Number(proto.commit),
    reject: proto.reject,
    rejectHint: Number(proto.rejectHint),
    round,
    forceVote,
  };
  return { partitionId: proto.groupId, message };
}
