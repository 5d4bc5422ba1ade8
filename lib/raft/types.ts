// Plain data types of the Raft core. Everything here is serializable as-is (numbers,
// strings, booleans, Uint8Array, arrays, plain objects): the storage node maps them to
// protobuf and batches messages of many groups into one RPC, so no classes or functions.

/**
 * A node id. Ids are strings so that hosts can use whatever naming they already have
 * (storage node names, pod names); the empty string {@link NO_NODE} means "nobody".
 */
export type NodeId = string;

/** The id meaning "no node" (no leader known, no vote cast). */
export const NO_NODE: NodeId = '';

/** What an entry carries: application data, or a membership change. */
export type EntryType = 'normal' | 'confChange';

/** One log entry. Entries are treated as immutable once created. */
export interface Entry {
  /** The term of the leader that created the entry. */
  term: number;
  /** The position in the log, starting at 1. */
  index: number;
  type: EntryType;
  /** Application bytes, or an encoded {@link ConfChange} when `type` is `confChange`. */
  data: Uint8Array;
}

/** The state that must be persisted before messages of the same Ready are sent. */
export interface HardState {
  term: number;
  /** Whom this node voted for in `term` ({@link NO_NODE} if nobody). */
  vote: NodeId;
  /** The highest index known to be committed. */
  commit: number;
}

/**
 * The membership of a group. Outside a joint configuration `votersOutgoing` and
 * `learnersNext` are empty.
 */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
  /** The voters of the outgoing half of a joint configuration. */
  votersOutgoing: NodeId[];
  /** Outgoing voters that become learners when the joint configuration is left. */
  learnersNext: NodeId[];
  /** Whether the joint configuration is left automatically once it is applied. */
  autoLeave: boolean;
}

/** Describes the state a snapshot covers. */
export interface SnapshotMetadata {
  /** The last log index the snapshot includes. */
  index: number;
  /** The term of the entry at `index`. */
  term: number;
  /** The membership as of `index`. */
  confState: ConfState;
}

/** A point-in-time image of the state machine plus the metadata Raft needs. */
export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The host's state machine image; opaque to Raft. */
  data: Uint8Array;
}

/** The messages Raft nodes exchange. */
export type MessageType =
  | 'append'
  | 'appendResponse'
  | 'vote'
  | 'voteResponse'
  | 'preVote'
  | 'preVoteResponse'
  | 'snapshot'
  | 'heartbeat'
  | 'heartbeatResponse'
  | 'timeoutNow';

/**
 * A message between two members of one group. Fields a type does not use are zero,
 * empty or absent. The host delivers it to `to` by calling `step` there.
 */
export interface RaftMessage {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  /** The sender's term (for pre-votes: the term the sender would campaign in). */
  term: number;
  /** `append`: term of the entry at `index`; vote: term of the last entry; rejected append: hint term. */
  logTerm: number;
  /** `append`: index preceding `entries`; vote: last index; appendResponse: last matching index. */
  index: number;
  entries: Entry[];
  /** The sender's commit index (leader messages). */
  commit: number;
  /** Responses: whether the request was refused. */
  reject: boolean;
  /** Rejected appendResponse: the follower's guess of where the logs diverge. */
  rejectHint: number;
  /** `snapshot` messages only. */
  snapshot?: Snapshot;
  /**
   * `heartbeat` / `heartbeatResponse`: the leader's heartbeat round, echoed back. A quorum
   * acknowledging round r confirms leadership as of the moment round r was sent; this
   * drives both ReadIndex and the leader lease. Zero elsewhere.
   */
  round: number;
  /** `vote` / `preVote`: set by a leadership transfer, which overrides leader stickiness. */
  forceVote: boolean;
}

/** The role a node currently plays. */
export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state surfaced in a Ready when it changes. */
export interface SoftState {
  leader: NodeId;
  role: Role;
}

/**
 * A linearizable read point: once the host's applied index reaches `index`, reading the
 * state machine answers the read identified by `context`.
 */
export interface ReadState {
  index: number;
  context: Uint8Array;
  /** Whether it was served under the leader lease (no heartbeat round was needed). */
  viaLease: boolean;
}

/** One membership step. */
export interface ConfChangeSingle {
  type: 'addVoter' | 'addLearner' | 'removeNode';
  nodeId: NodeId;
}

/**
 * A membership change. One change with `transition: 'auto'` is a single-server change;
 * several changes (or `transition: 'explicit'`) go through a joint configuration, which
 * the leader leaves on its own (`auto`) or when the host proposes an empty change
 * (`explicit`). An empty `changes` list leaves a joint configuration.
 */
export interface ConfChange {
  changes: ConfChangeSingle[];
  transition: 'auto' | 'explicit';
}

/** Operating errors the core returns as data. */
export type RaftError =
  | { code: 'notLeader'; leaderHint: NodeId }
  | { code: 'proposalQueueFull'; leaderHint: NodeId }
  | { code: 'leadershipTransferInProgress'; leaderHint: NodeId }
  | { code: 'confChangeInProgress'; leaderHint: NodeId }
  | { code: 'readQueueFull'; leaderHint: NodeId }
  | { code: 'invalidConfChange'; reason: string }
  | { code: 'invalidTransferTarget'; reason: string };

/** A result that is either a value or a typed error. */
export type Result<T, E = RaftError> = { ok: true; value: T } | { ok: false; error: E };

/** Builds a successful {@link Result}. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Builds a failed {@link Result}. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** An empty configuration. */
export function emptyConfState(): ConfState {
  return { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
}

/** The payload size Raft accounts for an entry in byte limits. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength;
}

/** Builds a message with every unused field zeroed, so callers set only what they need. */
export function makeMessage(
  fields: Pick<RaftMessage, 'type' | 'from' | 'to' | 'term'> & Partial<RaftMessage>,
): RaftMessage {
  return {
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    round: 0,
    forceVote: false,
    ...fields,
  };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Encodes a membership change as entry data. */
export function encodeConfChange(change: ConfChange): Uint8Array {
  return textEncoder.encode(JSON.stringify(change));
}

/** Decodes entry data written by {@link encodeConfChange}. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const parsed = JSON.parse(textDecoder.decode(data)) as ConfChange;
  if (!Array.isArray(parsed.changes)) throw new Error('raft: malformed conf change entry');
  return parsed;
}
