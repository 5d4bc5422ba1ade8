// The storage engine interface: what a partition's state machine needs from the key-value store
// underneath it. This module imports no implementation (STYLE rule 3): the RocksDB engine and the
// in-memory engine both implement it and both pass `conformance.ts`.
//
// Keys and values are opaque bytes compared bytewise (unsigned, shorter-prefix-first), which is
// the order `lib/dynamo`'s key encoding is designed for: a partition is one contiguous key range.

/** A key and its value, as returned by a range scan. */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * A key range for a scan. At most one lower bound (`gt` or `gte`) and at most one upper bound
 * (`lt` or `lte`); a missing bound is open. `reverse` walks from the upper bound downwards.
 */
export interface ScanRange {
  readonly gt?: Uint8Array;
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly lte?: Uint8Array;
  readonly reverse?: boolean;
}

/**
 * Limits every scan must carry (STYLE rule 6). `itemsMax` caps the number of entries;
 * `bytesMax` caps the sum of key and value bytes. An entry is included while the bytes gathered
 * before it are below `bytesMax`, so a page always makes progress (at least one entry when the
 * range is not empty) and exceeds `bytesMax` by at most one entry.
 */
export interface ScanLimits {
  readonly itemsMax: number;
  readonly bytesMax: number;
}

/** One page of a scan. */
export interface ScanPage {
  /** Entries in key order (descending when the range was `reverse`). */
  readonly entries: readonly KeyValue[];
  /**
   * True when a limit stopped the scan and at least one more entry exists in the range. Resume
   * with `gt` (or `lt` when reversed) set to the last returned key.
   */
  readonly truncated: boolean;
}

/**
 * One mutation of a write batch. `deleteRange` removes every key in `[start, end)`.
 * Commands compute mutations against a read view; the engine applies them (STYLE rule 2).
 */
export type Mutation =
  | { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: Uint8Array }
  | { readonly kind: 'deleteRange'; readonly start: Uint8Array; readonly end: Uint8Array };

/** Why an engine operation failed. */
export type EngineErrorCode =
  /** A malformed argument (empty key, inverted range, bad limits): nothing was read or written. */
  | 'invalid-argument'
  /** A batch, key or value exceeded an engine limit: nothing was written. */
  | 'limit-exceeded'
  /** The engine (or the snapshot) was closed or released. */
  | 'closed'
  /** The underlying store failed; the message carries its text. */
  | 'io';

/** A typed engine error (errors are data, STYLE rule 5). */
export interface EngineError {
  readonly code: EngineErrorCode;
  readonly message: string;
}

/** The result of an engine operation: a value or a typed error, never a thrown operating error. */
export type EngineResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: EngineError };

/** Limits an engine enforces on writes; exceeding one is a `limit-exceeded` error. */
export interface EngineLimits {
  /** Longest key accepted, in bytes. */
  readonly keyBytesMax: number;
  /** Longest value accepted, in bytes. */
  readonly valueBytesMax: number;
  /** Most mutations in one write batch. */
  readonly batchMutationsMax: number;
  /** Most key and value bytes in one write batch. */
  readonly batchBytesMax: number;
  /** Most keys in one `getMany` call. */
  readonly getManyKeysMax: number;
}

/**
 * Default limits: keys comfortably above DynamoDB's 2048 + 1024 byte key attributes plus the
 * table and hash prefixes, values above the 400 KB item limit, batches well above the largest
 * transaction (100 items of 400 KB is 40 MB).
 */
export const defaultEngineLimits: EngineLimits = {
  keyBytesMax: 8 * 1024,
  valueBytesMax: 1024 * 1024,
  batchMutationsMax: 10_000,
  batchBytesMax: 64 * 1024 * 1024,
  getManyKeysMax: 1_000,
};

/** Point and range reads against one consistent state of the store. */
export interface ReadView {
  /** The value stored at `key`, or `undefined` when there is none. */
  get(key: Uint8Array): Promise<EngineResult<Uint8Array | undefined>>;
  /** Several point reads at once (at most `getManyKeysMax`), in the order of `keys`. */
  getMany(keys: readonly Uint8Array[]): Promise<EngineResult<(Uint8Array | undefined)[]>>;
  /** One bounded page of the entries in `range`. */
  scan(range: ScanRange, limits: ScanLimits): Promise<EngineResult<ScanPage>>;
}

/**
 * A read view frozen at the moment it was taken: later writes are invisible to it. Release it
 * when done; a released snapshot answers `closed`.
 */
export interface EngineSnapshot extends ReadView {
  /** Frees the snapshot. Idempotent. */
  release(): Promise<void>;
}

/** An engine's own figures (zeros for an engine without files). */
export interface EngineStats {
  /** Bytes of the live SST files. */
  readonly liveSstBytes: number;
  /** Compactions completed since the engine was opened (memtable flushes not counted). */
  readonly compactions: number;
}

/**
 * A key-value store. Its own methods read the latest state; `snapshot()` freezes one.
 * Writes are atomic per batch; they are visible to reads as soon as `write` resolves, but
 * durable only after a `flush` that started after the write resolved.
 */
export interface Engine extends ReadView {
  /** Applies every mutation of the batch atomically, in order, or none of them. */
  write(mutations: readonly Mutation[]): Promise<EngineResult<void>>;
  /** A consistent snapshot of the current state. */
  snapshot(): EngineResult<EngineSnapshot>;
  /**
   * An estimate of the key and value bytes stored in `[start, end)`, for split and balance
   * decisions (RocksDB answers from its file and memtable statistics; the in-memory engine
   * counts exactly).
   */
  approximateSizeBytes(start: Uint8Array, end: Uint8Array): Promise<EngineResult<number>>;
  /**
   * Makes every write that resolved before this call durable in the engine's own files, so the
   * host may report the applied index stored with those writes as flushed and let the Raft log
   * drop entries up to it. The in-memory engine treats this as a no-op that still orders.
   */
  flush(): Promise<EngineResult<void>>;
  /** What the engine reports about its files, for metrics. */
  stats(): Promise<EngineResult<EngineStats>>;
  /** Releases every snapshot and closes the store. Idempotent. */
  close(): Promise<void>;
}

/** Builds a typed error result. */
export function engineError<T>(code: EngineErrorCode, message: string): EngineResult<T> {
  return { ok: false, error: { code, message } };
}

/** Builds a success result. */
export function engineOk<T>(value: T): EngineResult<T> {
  return { ok: true, value };
}
