// The control plane's snapshot image: the core's ControlState at one applied log index, in a
// self-checking envelope. The same bytes are the file on disk, the data of the Raft snapshot the
// leader sends to a lagging follower, and what a restart loads; so every reader verifies the
// checksum before trusting a byte. Pure: no I/O.
//
// Layout (integers little-endian):
//   0   8 bytes  magic "TSCPSNAP"
//   8   u32      format version (1)
//   12  u32      header length H
//   16  H bytes  header: canonical JSON {"index":…,"stateBytes":…,"term":…}
//   16+H         the state: the core's encodeState (canonical JSON, sorted keys)
//   end-32       SHA-256 of every byte before it
import { createHash } from 'node:crypto';
import { decodeState, encodeState } from '../core/state.js';
import type { ControlState } from '../core/state.js';

/** The format version this code writes and reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/**
 * The largest snapshot image accepted anywhere (taking, sending, receiving, loading). A state
 * this large would be ~300,000 partitions; past it the replica keeps its log instead of
 * snapshotting, and says so.
 */
export const SNAPSHOT_BYTES_MAX = 128 * 1024 * 1024;

const MAGIC = new TextEncoder().encode('TSCPSNAP');
const PREFIX_BYTES = 16;
const CHECKSUM_BYTES = 32;
const HEADER_BYTES_MAX = 1024;

/** A decoded, verified snapshot image. */
export interface SnapshotImage {
  /** The last log index the state includes. */
  readonly index: number;
  /** The term of the entry at `index`. */
  readonly term: number;
  readonly state: ControlState;
}

/** A value, or why the bytes are not a snapshot this code can trust. */
export type ImageResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** Encodes the state applied through `index` (whose entry has `term`). Deterministic. */
export function encodeSnapshotImage(index: number, term: number, state: ControlState): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 1 || !Number.isSafeInteger(term) || term < 0)
    throw new Error(`snapshot image: bad index ${index} or term ${term}`);
  const stateBytes = encodeState(state);
  const header = new TextEncoder().encode(
    JSON.stringify({ index, stateBytes: stateBytes.length, term }),
  );
  const bodyBytes = PREFIX_BYTES + header.length + stateBytes.length;
  const bytes = new Uint8Array(bodyBytes + CHECKSUM_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(8, SNAPSHOT_FORMAT_VERSION, true);
  view.setUint32(12, header.length, true);
  bytes.set(header, PREFIX_BYTES);
  bytes.set(stateBytes, PREFIX_BYTES + header.length);
  bytes.set(sha256(bytes.subarray(0, bodyBytes)), bodyBytes);
  return bytes;
}

/** The SHA-256 of `bytes` as lowercase hex (what the log's descriptor records). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Verifies the envelope (magic, version, lengths, checksum) and decodes the state. */
export function decodeSnapshotImage(bytes: Uint8Array): ImageResult<SnapshotImage> {
  const header = verifyEnvelope(bytes);
  if (!header.ok) return header;
  const { index, term, stateBytes, stateOffset } = header.value;
  const decoded = decodeState(bytes.subarray(stateOffset, stateOffset + stateBytes));
  if (!decoded.ok) return { ok: false, message: `state unreadable: ${decoded.error.message}` };
  return { ok: true, value: { index, term, state: decoded.value } };
}

/** Reads only the envelope: index and term, after checking the checksum (cheap to re-check). */
export function snapshotImageHeader(
  bytes: Uint8Array,
): ImageResult<{ readonly index: number; readonly term: number }> {
  const header = verifyEnvelope(bytes);
  return header.ok
    ? { ok: true, value: { index: header.value.index, term: header.value.term } }
    : header;
}

interface Envelope {
  readonly index: number;
  readonly term: number;
  readonly stateBytes: number;
  readonly stateOffset: number;
}

function verifyEnvelope(bytes: Uint8Array): ImageResult<Envelope> {
  if (bytes.length < PREFIX_BYTES + CHECKSUM_BYTES)
    return { ok: false, message: `${bytes.length} bytes is too short for a snapshot` };
  if (bytes.length > SNAPSHOT_BYTES_MAX)
    return { ok: false, message: `${bytes.length} bytes exceeds ${SNAPSHOT_BYTES_MAX}` };
  if (!MAGIC.every((byte, i) => bytes[i] === byte))
    return { ok: false, message: 'not a control-plane snapshot (bad magic)' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = view.getUint32(8, true);
  if (version !== SNAPSHOT_FORMAT_VERSION)
    return { ok: false, message: `unsupported snapshot format version ${version}` };
  const bodyBytes = bytes.length - CHECKSUM_BYTES;
  const expected = sha256(bytes.subarray(0, bodyBytes));
  const actual = bytes.subarray(bodyBytes);
  if (!expected.every((byte, i) => actual[i] === byte))
    return { ok: false, message: 'checksum mismatch (the snapshot is corrupted)' };
  const headerBytes = view.getUint32(12, true);
  if (headerBytes > HEADER_BYTES_MAX || PREFIX_BYTES + headerBytes > bodyBytes)
    return { ok: false, message: `bad header length ${headerBytes}` };
  const header = parseHeader(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes));
  if (header === null) return { ok: false, message: 'malformed snapshot header' };
  const stateOffset = PREFIX_BYTES + headerBytes;
  if (stateOffset + header.stateBytes !== bodyBytes)
    return { ok: false, message: `state length ${header.stateBytes} does not match the file` };
  return { ok: true, value: { ...header, stateOffset } };
}

function parseHeader(
  bytes: Uint8Array,
): { index: number; term: number; stateBytes: number } | null {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const { index, term, stateBytes } = parsed;
    if (!isCount(index) || !isCount(term) || !isCount(stateBytes)) return null;
    return { index, term, stateBytes };
  } catch {
    return null;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}
