// Raft messages ⇄ tessera.storage.v1.RaftMessage, for every Raft transport (storage nodes and
// control-plane replicas). Fields the proto lacks (the heartbeat round and the transfer's forced
// vote) travel in `context` as JSON. A snapshot's image is not carried here: transports send it
// by InstallSnapshot chunks.
import type { RaftMessage as ProtoRaftMessage } from '../gen/tessera/storage/v1/storage_pb.js';
import type { EntryType, MessageType, RaftMessage } from '../raft/index.js';

// The wire numbers of message and entry types: their positions here. Append only.
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

/** A message of group `groupId` as a proto initializer (without any snapshot image). */
export function raftMessageToProto(groupId: string, message: RaftMessage) {
  const extra = message.round !== 0 || message.forceVote;
  return {
    groupId,
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

/** One group's heartbeat or heartbeat answer in its coalesced wire form. */
export interface CoalescedHeartbeatInit {
  readonly groupId: string;
  readonly response: boolean;
  readonly term: bigint;
  readonly commit: bigint;
  readonly round: bigint;
}

/**
 * The coalesced form of `message` when it is a plain heartbeat or heartbeat answer (only term,
 * commit and round set besides the endpoints), else undefined (it travels as a full message).
 */
export function coalescedHeartbeat(
  groupId: string,
  message: RaftMessage,
): CoalescedHeartbeatInit | undefined {
  if (message.type !== 'heartbeat' && message.type !== 'heartbeatResponse') return undefined;
  const plain =
    message.entries.length === 0 &&
    message.logTerm === 0 &&
    message.index === 0 &&
    !message.reject &&
    message.rejectHint === 0 &&
    !message.forceVote &&
    message.snapshot === undefined &&
    (message.type === 'heartbeat' || message.commit === 0);
  if (!plain) return undefined;
  return {
    groupId,
    response: message.type === 'heartbeatResponse',
    term: BigInt(message.term),
    commit: BigInt(message.commit),
    round: BigInt(message.round),
  };
}

/** The message a coalesced heartbeat stands for, between `from` and `to`. */
export function heartbeatFromCoalesced(
  heartbeat: CoalescedHeartbeatInit,
  from: string,
  to: string,
): { groupId: string; message: RaftMessage } {
  return {
    groupId: heartbeat.groupId,
    message: {
      type: heartbeat.response ? 'heartbeatResponse' : 'heartbeat',
      from,
      to,
      term: Number(heartbeat.term),
      logTerm: 0,
      index: 0,
      entries: [],
      commit: Number(heartbeat.commit),
      reject: false,
      rejectHint: 0,
      round: Number(heartbeat.round),
      forceVote: false,
    },
  };
}

/** A received message and its group, or undefined when it is malformed (callers drop it). */
export function raftMessageFromProto(
  proto: ProtoRaftMessage,
): { groupId: string; message: RaftMessage } | undefined {
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
  return { groupId: proto.groupId, message };
}
