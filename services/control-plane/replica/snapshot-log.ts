// The control plane's Raft log with snapshots: the shared log (lib/wal, through
// DurableRaftStorage) keeps entries, hard state and the snapshot's metadata, while the snapshot
// image — the whole ControlState — lives in its own file (snapshot-store.ts). The log's snapshot
// data is a small descriptor naming that file and its SHA-256: lib/wal restates a snapshot's
// payload in every segment's checkpoint, so the state itself must stay out of it.
//
// Order makes it crash-safe: an image is durable in its file before the log names it, and an old
// file is deleted only once the log durably names a newer one. Raft (and so the leader's
// InstallSnapshot) sees the whole image: `snapshot()` answers with the file's bytes.
import type {
  Entry,
  HardState,
  InitialState,
  Snapshot,
  StorageError,
  WritableLogStorage,
} from '../../../lib/raft/index.js';
import type { DriverLog, PersistOutcome } from './driver-log.js';
import {
  decodeSnapshotImage,
  sha256Hex,
  SNAPSHOT_BYTES_MAX,
  snapshotImageHeader,
} from './snapshot-file.js';
import type { ImageResult } from './snapshot-file.js';
import { TEMPORARY_SUFFIX } from './snapshot-store.js';
import type { SnapshotStore } from './snapshot-store.js';

/** What the snapshot log needs of the log underneath (DurableRaftStorage fits). */
export interface DescriptorLog extends WritableLogStorage {
  persistReady(ready: {
    snapshot: Snapshot | null;
    entries: readonly Entry[];
    hardState: HardState | null;
  }): Promise<PersistOutcome>;
  /** Tells the log the state machine is durable through `index` (it may compact up to it). */
  reportFlushed(index: number): PersistOutcome;
  /** Resolves once every queued write is durable. */
  sync(): Promise<PersistOutcome>;
}

/** What the log's snapshot data says about the image file. */
interface Descriptor {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

interface Current {
  readonly index: number;
  readonly file: string;
  readonly image: Uint8Array;
}

const FILE_PATTERN = /^snapshot-\d{20}\.cpsnap$/;

/** The image file of the snapshot at `index` (zero-padded so names sort like numbers). */
export function snapshotFileName(index: number): string {
  return `snapshot-${String(index).padStart(20, '0')}.cpsnap`;
}

/** A {@link DriverLog} whose snapshot images are files beside the log. */
export class SnapshotFileLog implements DriverLog {
  private constructor(
    private readonly inner: DescriptorLog,
    private readonly store: SnapshotStore,
    private current: Current | null,
    private readonly onWarning: (message: string) => void,
  ) {}

  /**
   * Opens the log over `inner`: loads and verifies the image the log's snapshot names. A
   * missing or corrupted image is an error naming the file — never skipped, since the entries
   * it covers are gone from the log. Stray files (older images, half-written ones) are deleted.
   */
  static async open(
    inner: DescriptorLog,
    store: SnapshotStore,
    onWarning: (message: string) => void = () => {},
  ): Promise<ImageResult<SnapshotFileLog>> {
    const snapshot = inner.snapshot();
    if (typeof snapshot === 'string') return { ok: false, message: `log snapshot ${snapshot}` };
    let current: Current | null = null;
    if (snapshot.data.length > 0) {
      const loaded = await loadImage(store, snapshot);
      if (!loaded.ok) return loaded;
      current = loaded.value;
    }
    const log = new SnapshotFileLog(inner, store, current, onWarning);
    await log.removeStrayFiles();
    return { ok: true, value: log };
  }

  /** The image the latest snapshot names, in bytes (0 before the first snapshot). */
  get imageBytes(): number {
    return this.current?.image.length ?? 0;
  }

  initialState(): InitialState {
    return this.inner.initialState();
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] | StorageError {
    return this.inner.entries(lo, hi, maxBytes);
  }

  term(index: number): number | StorageError {
    return this.inner.term(index);
  }

  firstIndex(): number {
    return this.inner.firstIndex();
  }

  lastIndex(): number {
    return this.inner.lastIndex();
  }

  snapshot(): Snapshot | StorageError {
    const snapshot = this.inner.snapshot();
    if (typeof snapshot === 'string' || snapshot.data.length === 0) return snapshot;
    // The log names an image only after this object stored it, so they always agree.
    if (this.current?.index !== snapshot.metadata.index) return 'unavailable';
    return { metadata: snapshot.metadata, data: this.current.image };
  }

  append(entries: readonly Entry[]): void {
    this.inner.append(entries);
  }

  setHardState(hardState: HardState): void {
    this.inner.setHardState(hardState);
  }

  applySnapshot(): void {
    throw new Error('snapshot log: received snapshots go through persistReady');
  }

  createSnapshot(): Snapshot | StorageError {
    throw new Error('snapshot log: snapshots are taken with persistSnapshot');
  }

  compact(index: number): void {
    const flushed = this.inner.reportFlushed(this.current?.index ?? 0);
    if (flushed.ok) this.inner.compact(index);
  }

  async persistReady(ready: {
    snapshot: Snapshot | null;
    entries: readonly Entry[];
    hardState: HardState | null;
  }): Promise<PersistOutcome> {
    let snapshot = ready.snapshot;
    const held = this.inner.snapshot();
    const heldIndex = typeof held === 'string' ? 0 : held.metadata.index;
    if (snapshot !== null && snapshot.metadata.index <= heldIndex) {
      // Raft installs only snapshots past its commit index, so this is a bug: storing it would
      // name an older image and delete the current one.
      const message = `received snapshot at ${snapshot.metadata.index}, log already at ${heldIndex}`;
      return { ok: false, error: { code: 'snapshot-stale', message } };
    }
    if (snapshot !== null && snapshot.data.length > 0) {
      // A leader's image: durable in its file before the log names it.
      const stored = await this.storeImage(snapshot);
      if (!stored.ok)
        return { ok: false, error: { code: 'snapshot-file', message: stored.message } };
      snapshot = { metadata: snapshot.metadata, data: stored.value };
    }
    const persisted = await this.inner.persistReady({ ...ready, snapshot });
    if (persisted.ok && snapshot !== ready.snapshot) await this.removeStrayFiles();
    return persisted;
  }

  async persistSnapshot(snapshot: Snapshot, compactIndex: number): Promise<PersistOutcome> {
    const { index, confState } = snapshot.metadata;
    const previous = this.current;
    const stored = await this.storeImage(snapshot);
    if (!stored.ok) return { ok: false, error: { code: 'snapshot-file', message: stored.message } };
    const created = this.inner.createSnapshot(index, confState, stored.value);
    if (typeof created === 'string') {
      this.current = previous;
      // 'compacted': a newer snapshot from the leader is already in the log.
      if (created === 'compacted') return { ok: true };
      return { ok: false, error: { code: created, message: `snapshot at ${index} refused` } };
    }
    // The image is durable: as far as the log is concerned, the state machine is flushed.
    const flushed = this.inner.reportFlushed(index);
    if (!flushed.ok) return flushed;
    this.inner.compact(compactIndex);
    const synced = await this.inner.sync();
    if (synced.ok) await this.removeStrayFiles();
    return synced;
  }

  /** Verifies an image against its metadata and writes its file; returns the descriptor. */
  private async storeImage(snapshot: Snapshot): Promise<ImageResult<Uint8Array>> {
    const { index, term } = snapshot.metadata;
    const header = snapshotImageHeader(snapshot.data);
    if (!header.ok) return { ok: false, message: `snapshot at ${index}: ${header.message}` };
    if (header.value.index !== index || header.value.term !== term) {
      return {
        ok: false,
        message: `snapshot image is at ${header.value.index}/${header.value.term}, metadata at ${index}/${term}`,
      };
    }
    const file = snapshotFileName(index);
    const written = await this.store.write(file, snapshot.data);
    if (!written.ok) return written;
    this.current = { index, file, image: snapshot.data };
    const descriptor: Descriptor = {
      file,
      bytes: snapshot.data.length,
      sha256: sha256Hex(snapshot.data),
    };
    return { ok: true, value: new TextEncoder().encode(JSON.stringify(descriptor)) };
  }

  /** Deletes every image but the current one, and half-written files. */
  private async removeStrayFiles(): Promise<void> {
    const listed = await this.store.list();
    if (!listed.ok) return this.onWarning(listed.message);
    const stray = listed.value.filter(
      (name) =>
        name !== this.current?.file && (FILE_PATTERN.test(name) || name.endsWith(TEMPORARY_SUFFIX)),
    );
    const removed = await this.store.remove(stray);
    if (!removed.ok) this.onWarning(removed.message);
  }
}

/** Reads the image the log's snapshot names and checks it is exactly that snapshot. */
async function loadImage(store: SnapshotStore, snapshot: Snapshot): Promise<ImageResult<Current>> {
  const { index, term } = snapshot.metadata;
  const descriptor = parseDescriptor(snapshot.data);
  if (descriptor === null)
    return { ok: false, message: `the log's snapshot descriptor at index ${index} is unreadable` };
  const path = store.path(descriptor.file);
  const read = await store.read(descriptor.file, SNAPSHOT_BYTES_MAX);
  if (!read.ok)
    return { ok: false, message: `${read.message} (the log needs it at index ${index})` };
  const refuse = (why: string): ImageResult<Current> => ({
    ok: false,
    message: `snapshot ${path} is corrupted: ${why}; refusing to start (restore the file, or empty this replica's data directory so it catches up from its peers)`,
  });
  if (read.value.length !== descriptor.bytes || sha256Hex(read.value) !== descriptor.sha256)
    return refuse('its size or SHA-256 differs from what the log recorded');
  const decoded = decodeSnapshotImage(read.value);
  if (!decoded.ok) return refuse(decoded.message);
  if (decoded.value.index !== index || decoded.value.term !== term)
    return refuse(
      `it holds ${decoded.value.index}/${decoded.value.term}, the log ${index}/${term}`,
    );
  return { ok: true, value: { index, file: descriptor.file, image: read.value } };
}

function parseDescriptor(bytes: Uint8Array): Descriptor | null {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const { file, bytes: size, sha256 } = parsed;
    if (typeof file !== 'string' || !FILE_PATTERN.test(file)) return null;
    if (typeof size !== 'number' || typeof sha256 !== 'string') return null;
    return { file, bytes: size, sha256 };
  } catch {
    return null;
  }
}
