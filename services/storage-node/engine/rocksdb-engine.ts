// The RocksDB engine, on the `rocksdb-native` binding (RocksDB 10.5).
//
// Facts about the binding this file relies on (checked against rocksdb-native 3.18.1):
// - Writes go through RocksDB's default WriteOptions: its WAL is written but never synced, and
//   the binding offers no way to disable it. Tessera does not rely on it: durability comes from
//   the Raft log, and `flush()` (a memtable flush, which syncs the new SST and the MANIFEST)
//   is what lets the log be truncated.
// - `db.close()` waits until every batch and iterator handle is released. A read or write batch
//   that is never destroyed, or an iterator that is never consumed or destroyed, makes it wait
//   forever. So every batch here is destroyed in a `finally`, every iterator is destroyed,
//   snapshots are tracked, and `close()` first drains in-flight operations and then refuses to
//   call into the binding while a handle is still held (a bug here, reported loudly).
import { createRequire } from 'node:module';
import { compareBytes } from './bytes.js';
import { defaultEngineLimits, engineError, engineOk } from './engine.js';
import type {
  Engine,
  EngineLimits,
  EngineResult,
  EngineStats,
  EngineSnapshot,
  KeyValue,
  Mutation,
  ScanLimits,
  ScanPage,
  ScanRange,
} from './engine.js';
import { normaliseScan, validateBatch, validateRange, validateReadKey } from './validate.js';
import type { NormalisedRange } from './validate.js';

interface NativeReadBatch {
  get(key: Uint8Array): Promise<Uint8Array | null>;
  tryFlush(): void;
  destroy(): void;
}

interface NativeWriteBatch {
  tryPut(key: Uint8Array, value: Uint8Array): void;
  tryDelete(key: Uint8Array): void;
  tryDeleteRange(start: Uint8Array, end: Uint8Array): void;
  flush(): Promise<void>;
  destroy(): void;
}

interface NativeIterator extends AsyncIterable<{ key: Uint8Array; value: Uint8Array }> {
  destroy(): void;
}

interface NativeIteratorOptions {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse: boolean;
  limit: number;
  capacity: number;
}

/** The slice of rocksdb-native's session API this engine uses. */
interface NativeSession {
  ready(): Promise<void>;
  read(options: { capacity: number }): NativeReadBatch;
  write(options: { capacity: number }): NativeWriteBatch;
  iterator(options: NativeIteratorOptions): NativeIterator;
  snapshot(): NativeSession;
  flush(): Promise<void>;
  approximateSize(
    start: Uint8Array,
    end: Uint8Array,
    options: { includeMemtables: boolean },
  ): Promise<number>;
  close(): Promise<void>;
  diagnostics(): { handles: number; io: number; sessions: number };
  getProperty(name: string): Promise<string | undefined>;
}

type NativeConstructor = new (path: string, options: Record<string, unknown>) => NativeSession;

// rocksdb-native is CommonJS without type declarations; it is loaded through `require` and
// typed by the interfaces above.
const RocksDB = createRequire(import.meta.url)('rocksdb-native') as NativeConstructor;

/** Entries the binding's iterator reads per native call. */
const iteratorBatchMax = 64;

/** Options of the RocksDB engine. */
export interface RocksDbEngineOptions {
  /** Directory of the database; created when missing. */
  readonly path: string;
  readonly limits?: EngineLimits;
  /** Memtable size before RocksDB flushes by itself (default 64 MiB). */
  readonly writeBufferBytes?: number;
}

/** Converts whatever the binding throws into a typed error. */
function ioError<T>(error: unknown): EngineResult<T> {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('session is closed')) return engineError('closed', message);
  return engineError('io', message);
}

/** Views a binding buffer as a plain Uint8Array (no copy: each value owns its memory). */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Counts operations in flight so that `close()` can wait for them instead of hanging. */
class InFlight {
  private count = 0;
  private drained: (() => void) | undefined;

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count--;
    if (this.count === 0 && this.drained !== undefined) this.drained();
  }

  async drain(): Promise<void> {
    if (this.count === 0) return;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }
}

class RocksDbReadView {
  constructor(
    protected readonly session: NativeSession,
    protected readonly limits: EngineLimits,
    protected readonly inFlight: InFlight,
    protected readonly isClosed: () => boolean,
  ) {}

  async get(key: Uint8Array): Promise<EngineResult<Uint8Array | undefined>> {
    const values = await this.getMany([key]);
    return values.ok ? engineOk(values.value[0]) : values;
  }

  async getMany(keys: readonly Uint8Array[]): Promise<EngineResult<(Uint8Array | undefined)[]>> {
    if (this.isClosed()) return engineError('closed', 'engine is closed');
    if (keys.length > this.limits.getManyKeysMax) {
      return engineError(
        'limit-exceeded',
        `getMany of ${keys.length} keys, more than ${this.limits.getManyKeysMax}`,
      );
    }
    for (const key of keys) {
      const checked = validateReadKey(key, this.limits);
      if (!checked.ok) return checked;
    }
    if (keys.length === 0) return engineOk([]);
    this.inFlight.enter();
    let batch: NativeReadBatch | undefined;
    try {
      batch = this.session.read({ capacity: keys.length });
      const pending = keys.map((key) => batch!.get(key));
      batch.tryFlush();
      const values = await Promise.all(pending);
      return engineOk(values.map((value) => (value === null ? undefined : plain(value))));
    } catch (error) {
      return ioError(error);
    } finally {
      batch?.destroy();
      this.inFlight.leave();
    }
  }

  async scan(range: ScanRange, limits: ScanLimits): Promise<EngineResult<ScanPage>> {
    if (this.isClosed()) return engineError('closed', 'engine is closed');
    const normalised = normaliseScan(range, limits);
    if (!normalised.ok) return normalised;
    // The binding reads an empty bound as "no bound"; an empty upper bound admits no key.
    if (normalised.value.upper?.key.length === 0)
      return engineOk({ entries: [], truncated: false });
    this.inFlight.enter();
    try {
      return engineOk(await this.collect(normalised.value, limits));
    } catch (error) {
      return ioError(error);
    } finally {
      this.inFlight.leave();
    }
  }

  private async collect(range: NormalisedRange, limits: ScanLimits): Promise<ScanPage> {
    const options: NativeIteratorOptions = {
      reverse: range.reverse,
      // One entry past the item limit tells whether the page is truncated.
      limit: limits.itemsMax + 1,
      // Entries fetched per native call. The byte limit is only checked as entries arrive, so
      // this also bounds how far a page can read past `bytesMax` (64 values of at most 1 MiB).
      capacity: Math.min(limits.itemsMax + 1, iteratorBatchMax),
    };
    if (range.lower !== undefined) options[range.lower.inclusive ? 'gte' : 'gt'] = range.lower.key;
    if (range.upper !== undefined) options[range.upper.inclusive ? 'lte' : 'lt'] = range.upper.key;
    const iterator = this.session.iterator(options);
    const entries: KeyValue[] = [];
    let bytes = 0;
    let truncated = false;
    try {
      for await (const entry of iterator) {
        if (entries.length >= limits.itemsMax || bytes >= limits.bytesMax) {
          truncated = true;
          break;
        }
        entries.push({ key: plain(entry.key), value: plain(entry.value) });
        bytes += entry.key.length + entry.value.length;
      }
    } finally {
      iterator.destroy();
    }
    return { entries, truncated };
  }
}

class RocksDbSnapshot extends RocksDbReadView implements EngineSnapshot {
  private released = false;

  constructor(
    session: NativeSession,
    limits: EngineLimits,
    inFlight: InFlight,
    engineClosed: () => boolean,
    private readonly onRelease: (snapshot: RocksDbSnapshot) => void,
  ) {
    super(session, limits, inFlight, () => this.released || engineClosed());
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onRelease(this);
    await this.session.close();
  }
}

class RocksDbEngine extends RocksDbReadView implements Engine {
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly snapshots = new Set<RocksDbSnapshot>();

  constructor(
    private readonly db: NativeSession,
    limits: EngineLimits,
  ) {
    const inFlight = new InFlight();
    super(db, limits, inFlight, () => this.closed);
  }

  async write(mutations: readonly Mutation[]): Promise<EngineResult<void>> {
    if (this.closed) return engineError('closed', 'engine is closed');
    const checked = validateBatch(mutations, this.limits);
    if (!checked.ok) return checked;
    this.inFlight.enter();
    let batch: NativeWriteBatch | undefined;
    try {
      batch = this.db.write({ capacity: Math.max(1, mutations.length) });
      for (const mutation of mutations) addToBatch(batch, mutation);
      await batch.flush();
      return engineOk(undefined);
    } catch (error) {
      return ioError(error);
    } finally {
      batch?.destroy();
      this.inFlight.leave();
    }
  }

  snapshot(): EngineResult<EngineSnapshot> {
    if (this.closed) return engineError('closed', 'engine is closed');
    try {
      const snapshot = new RocksDbSnapshot(
        this.db.snapshot(),
        this.limits,
        this.inFlight,
        () => this.closed,
        (released) => this.snapshots.delete(released),
      );
      this.snapshots.add(snapshot);
      return engineOk(snapshot);
    } catch (error) {
      return ioError(error);
    }
  }

  async flush(): Promise<EngineResult<void>> {
    if (this.closed) return engineError('closed', 'engine is closed');
    this.inFlight.enter();
    try {
      await this.db.flush();
      return engineOk(undefined);
    } catch (error) {
      return ioError(error);
    } finally {
      this.inFlight.leave();
    }
  }

  async approximateSizeBytes(start: Uint8Array, end: Uint8Array): Promise<EngineResult<number>> {
    if (this.closed) return engineError('closed', 'engine is closed');
    const checked = validateRange(start, end, this.limits);
    if (!checked.ok) return checked;
    this.inFlight.enter();
    try {
      return engineOk(await this.db.approximateSize(start, end, { includeMemtables: true }));
    } catch (error) {
      return ioError(error);
    } finally {
      this.inFlight.leave();
    }
  }

  /**
   * RocksDB's own figures through `GetProperty` (the binding exposes no statistics object):
   * `rocksdb.live-sst-files-size`, and compactions from the per-level table of
   * `rocksdb.cfstats-no-file-histogram` (see {@link compactionsFromCfStats}).
   */
  async stats(): Promise<EngineResult<EngineStats>> {
    if (this.closed) return engineError('closed', 'engine is closed');
    this.inFlight.enter();
    try {
      const live = Number(await this.db.getProperty('rocksdb.live-sst-files-size'));
      const table = await this.db.getProperty('rocksdb.cfstats-no-file-histogram');
      return engineOk({
        liveSstBytes: Number.isFinite(live) ? live : 0,
        compactions: compactionsFromCfStats(table ?? ''),
      });
    } catch (error) {
      return ioError(error);
    } finally {
      this.inFlight.leave();
    }
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    await this.inFlight.drain();
    for (const snapshot of [...this.snapshots]) await snapshot.release();
    const { handles } = this.db.diagnostics();
    // A held handle would make the binding's close wait forever; that is a bug in this file.
    if (handles !== 0) throw new Error(`rocksdb engine: ${handles} native handles leaked at close`);
    await this.db.close();
  }
}

function addToBatch(batch: NativeWriteBatch, mutation: Mutation): void {
  switch (mutation.kind) {
    case 'put':
      batch.tryPut(mutation.key, mutation.value);
      return;
    case 'delete':
      batch.tryDelete(mutation.key);
      return;
    case 'deleteRange':
      // RocksDB may refuse an empty range; it deletes nothing, so it is skipped.
      if (compareBytes(mutation.start, mutation.end) === 0) return;
      batch.tryDeleteRange(mutation.start, mutation.end);
      return;
  }
}

/**
 * Compactions completed, from RocksDB's "Compaction Stats" table: the `Comp(cnt)` column of the
 * level rows L1 and deeper (the L0 row counts memtable flushes). The Size column prints as two
 * tokens ("12.3 KB"), so a row has one token more than the header before `Comp(cnt)`. 0 when
 * the table is missing or unreadable.
 */
export function compactionsFromCfStats(text: string): number {
  const lines = text.split('\n');
  const headerAt = lines.findIndex((line) => line.includes('Comp(cnt)'));
  if (headerAt < 0) return 0;
  const column = lines[headerAt]!.trim().split(/\s+/).indexOf('Comp(cnt)') + 1;
  let total = 0;
  for (const line of lines.slice(headerAt + 1)) {
    const tokens = line.trim().split(/\s+/);
    if (line.startsWith('**') || tokens[0] === 'Sum') break;
    if (!/^L[1-9]$/.test(tokens[0] ?? '')) continue;
    const count = Number(tokens[column]);
    if (Number.isInteger(count)) total += count;
  }
  return total;
}

/** Opens (creating when missing) a RocksDB engine in `options.path`. */
export async function openRocksDbEngine(
  options: RocksDbEngineOptions,
): Promise<EngineResult<Engine>> {
  const db = new RocksDB(options.path, {
    writeBufferSize: options.writeBufferBytes ?? 64 * 1024 * 1024,
  });
  try {
    await db.ready();
  } catch (error) {
    return ioError(error);
  }
  return engineOk(new RocksDbEngine(db, options.limits ?? defaultEngineLimits));
}
