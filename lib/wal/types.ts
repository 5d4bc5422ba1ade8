// Public types of the shared durable Raft log. The log is generic over what Raft stores: hard
// states and snapshot payloads are opaque bytes (the Raft adapter encodes them), entries carry
// their index, term, a small type number and opaque data.

/** The id of a Raft group (one partition replica on this node). A safe non-negative integer. */
export type GroupId = number;

/** One log entry as the log stores it. */
export interface LogEntry {
  readonly index: number;
  readonly term: number;
  /** A small number the Raft layer gives meaning to (e.g. normal or membership change). */
  readonly type: number;
  readonly data: Uint8Array;
}

/** Snapshot metadata the log keeps for a group: where it is, plus opaque bytes (membership). */
export interface LogSnapshot {
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array;
}

/**
 * What one group persists at once (one Raft Ready). Applied in this order: the received
 * snapshot replaces the log, then entries are appended (overwriting a conflicting suffix), then
 * the hard state is set.
 */
export interface GroupUpdate {
  readonly snapshot?: LogSnapshot;
  readonly entries?: readonly LogEntry[];
  readonly hardState?: Uint8Array;
}

/** Where a corrupted record sits. */
export interface CorruptionLocation {
  /** The segment file's absolute path. */
  readonly file: string;
  /** The byte offset of the record's frame in that file. */
  readonly offset: number;
}

/** Why a log operation failed. */
export type WalErrorCode =
  /** Malformed input (gap in entries, bad numbers): nothing was written or changed. */
  | 'invalid-argument'
  /** The write queue, a record or a group count exceeded its limit: nothing was written. */
  | 'limit-exceeded'
  /** The requested entries were discarded by compaction. */
  | 'compacted'
  /** The index is beyond the last entry. */
  | 'unavailable'
  /** Compaction past the index the host reported as flushed in its engine. */
  | 'not-flushed'
  /** The group's records are corrupted; the replica must be stopped and rebuilt. */
  | 'group-corrupted'
  /** A write or sync failed; the log refuses further writes (the node should restart). */
  | 'io'
  /** The log is closed. */
  | 'closed';

/** A typed log error. `location` and `groupId` are set for corruption. */
export interface WalError {
  readonly code: WalErrorCode;
  readonly message: string;
  readonly location?: CorruptionLocation;
  readonly groupId?: GroupId;
}

/** A value or a typed error. */
export type WalResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WalError };

/** Builds a success result. */
export function walOk<T>(value: T): WalResult<T> {
  return { ok: true, value };
}

/** Builds a failure result. */
export function walError<T>(
  code: WalErrorCode,
  message: string,
  details: { location?: CorruptionLocation; groupId?: GroupId } = {},
): WalResult<T> {
  return { ok: false, error: { code, message, ...details } };
}
