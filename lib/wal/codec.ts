// The on-disk format of the shared log: segment headers, record frames and record bodies.
//
// Segment file: a 16-byte header (magic "TSWALSEG", version u32, reserved u32), then frames.
// Frame (all integers little-endian):
//   0 magic u32 "TWAL" · 4 body length u32 · 8 kind u8 · 9 reserved 3 bytes ·
//   12 group id u64 · 20 group sequence u64 · 28 body CRC-32C u32 · 32 header CRC-32C u32
//   (over bytes 0..32) · 36 body.
// The header has its own checksum so that a corrupted body still names its group and the next
// frame's position, and so that a resynchronising scan can trust a frame it finds.
import { crc32c } from './crc32c.js';
import type { LogEntry, LogSnapshot } from './types.js';

/** Bytes of a segment header. */
export const segmentHeaderBytes = 16;
/** Bytes of a frame header. */
export const frameHeaderBytes = 36;

const segmentMagic = new TextEncoder().encode('TSWALSEG');
const segmentVersion = 1;
/** "TWAL" read as a little-endian u32. */
const frameMagic = 0x4c415754;
/** The frame magic as bytes, for `indexOf` scans. */
export const frameMagicBytes = new Uint8Array([0x54, 0x57, 0x41, 0x4c]);

/** Record kinds. Numbers are part of the format: never reuse one. */
export const RecordKind = {
  /** Entries appended to a group (overwriting any suffix from the first index). */
  entries: 1,
  /** The group's hard state (opaque bytes). */
  hardState: 2,
  /** A snapshot received from the leader: replaces the group's log. */
  snapshotApplied: 3,
  /** A snapshot the host took of its own state: metadata only, entries stay. */
  snapshotCreated: 4,
  /** Entries before `index` are discarded (the state machine flushed past them). */
  compact: 5,
  /** The group left this node: every record of it is garbage. */
  removeGroup: 6,
  /** A restatement of a group's state at the start of a segment (see README). */
  checkpoint: 7,
} as const;

/** A record kind number. */
export type RecordKindNumber = (typeof RecordKind)[keyof typeof RecordKind];

const knownKinds = new Set<number>(Object.values(RecordKind));

/** A decoded frame header. */
export interface FrameHeader {
  readonly bodyBytes: number;
  readonly kind: number;
  readonly groupId: number;
  readonly sequence: number;
  readonly bodyCrc: number;
}

/** The state a checkpoint record restates. */
export interface CheckpointBody {
  readonly baseIndex: number;
  readonly baseTerm: number;
  readonly hardState: Uint8Array | undefined;
  readonly snapshot: LogSnapshot | undefined;
}

function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x1_0000_0000;
}

/** Builds the segment header. */
export function encodeSegmentHeader(): Uint8Array {
  const bytes = new Uint8Array(segmentHeaderBytes);
  bytes.set(segmentMagic, 0);
  new DataView(bytes.buffer).setUint32(8, segmentVersion, true);
  return bytes;
}

/** True when `bytes` starts with a valid segment header. */
export function isSegmentHeader(bytes: Uint8Array): boolean {
  if (bytes.length < segmentHeaderBytes) return false;
  for (let i = 0; i < segmentMagic.length; i++) if (bytes[i] !== segmentMagic[i]) return false;
  return (
    new DataView(bytes.buffer, bytes.byteOffset, segmentHeaderBytes).getUint32(8, true) ===
    segmentVersion
  );
}

/** Frames one record: header with both checksums, then the body. */
export function encodeFrame(
  kind: RecordKindNumber,
  groupId: number,
  sequence: number,
  body: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(frameHeaderBytes + body.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, frameMagic, true);
  view.setUint32(4, body.length, true);
  view.setUint8(8, kind);
  writeU64(view, 12, groupId);
  writeU64(view, 20, sequence);
  frame.set(body, frameHeaderBytes);
  view.setUint32(28, crc32c(body), true);
  view.setUint32(32, crc32c(frame, 0, 32), true);
  return frame;
}

/**
 * Reads the frame header at `offset` if it is intact (magic, known kind, header checksum).
 * Does not look at the body.
 */
export function decodeFrameHeader(bytes: Uint8Array, offset: number): FrameHeader | undefined {
  if (offset + frameHeaderBytes > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, frameHeaderBytes);
  if (view.getUint32(0, true) !== frameMagic) return undefined;
  if (view.getUint32(32, true) !== crc32c(bytes, offset, offset + 32)) return undefined;
  const kind = view.getUint8(8);
  if (!knownKinds.has(kind)) return undefined;
  return {
    bodyBytes: view.getUint32(4, true),
    kind,
    groupId: readU64(view, 12),
    sequence: readU64(view, 20),
    bodyCrc: view.getUint32(28, true),
  };
}

/** True when the body of the frame at `offset` is complete and matches its checksum. */
export function bodyIntact(bytes: Uint8Array, offset: number, header: FrameHeader): boolean {
  const start = offset + frameHeaderBytes;
  const end = start + header.bodyBytes;
  return end <= bytes.length && crc32c(bytes, start, end) === header.bodyCrc;
}

/** A cursor that appends to a growing byte array. */
class ByteWriter {
  private bytes = new Uint8Array(64);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  u64(value: number): void {
    this.reserve(8);
    writeU64(this.view, this.length, value);
    this.length += 8;
  }

  blob(value: Uint8Array): void {
    this.u32(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A cursor over a body; every read is bounds-checked and throws `RangeError` past the end. */
class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  u8(): number {
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u32(): number {
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  u64(): number {
    if (this.offset + 8 > this.bytes.length) throw new RangeError('body too short');
    const value = readU64(this.view, this.offset);
    this.offset += 8;
    return value;
  }

  blob(): Uint8Array {
    const length = this.u32();
    if (this.offset + length > this.bytes.length) throw new RangeError('body too short');
    const value = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  end(): void {
    if (this.offset !== this.bytes.length) throw new RangeError('trailing bytes in body');
  }
}

/** Encodes an entries body. */
export function encodeEntries(entries: readonly LogEntry[]): Uint8Array {
  const writer = new ByteWriter();
  writer.u32(entries.length);
  for (const entry of entries) {
    writer.u64(entry.index);
    writer.u64(entry.term);
    writer.u8(entry.type);
    writer.blob(entry.data);
  }
  return writer.finish();
}

/** Decodes an entries body; throws `RangeError` when malformed. */
export function decodeEntries(body: Uint8Array): LogEntry[] {
  const reader = new ByteReader(body);
  const count = reader.u32();
  const entries: LogEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      index: reader.u64(),
      term: reader.u64(),
      type: reader.u8(),
      data: reader.blob(),
    });
  }
  reader.end();
  return entries;
}

/** Encodes a snapshot body (applied or created). */
export function encodeSnapshot(snapshot: LogSnapshot): Uint8Array {
  const writer = new ByteWriter();
  writer.u64(snapshot.index);
  writer.u64(snapshot.term);
  writer.blob(snapshot.payload);
  return writer.finish();
}

/** Decodes a snapshot body; throws `RangeError` when malformed. */
export function decodeSnapshot(body: Uint8Array): LogSnapshot {
  const reader = new ByteReader(body);
  const snapshot = { index: reader.u64(), term: reader.u64(), payload: reader.blob() };
  reader.end();
  return snapshot;
}

/** Encodes a compaction body: the new base (the entry before the first kept one). */
export function encodeCompact(baseIndex: number, baseTerm: number): Uint8Array {
  const writer = new ByteWriter();
  writer.u64(baseIndex);
  writer.u64(baseTerm);
  return writer.finish();
}

/** Decodes a compaction body; throws `RangeError` when malformed. */
export function decodeCompact(body: Uint8Array): { baseIndex: number; baseTerm: number } {
  const reader = new ByteReader(body);
  const value = { baseIndex: reader.u64(), baseTerm: reader.u64() };
  reader.end();
  return value;
}

/** Encodes a checkpoint body. */
export function encodeCheckpoint(checkpoint: CheckpointBody): Uint8Array {
  const writer = new ByteWriter();
  writer.u64(checkpoint.baseIndex);
  writer.u64(checkpoint.baseTerm);
  writer.u8(checkpoint.hardState === undefined ? 0 : 1);
  if (checkpoint.hardState !== undefined) writer.blob(checkpoint.hardState);
  writer.u8(checkpoint.snapshot === undefined ? 0 : 1);
  if (checkpoint.snapshot !== undefined) {
    writer.u64(checkpoint.snapshot.index);
    writer.u64(checkpoint.snapshot.term);
    writer.blob(checkpoint.snapshot.payload);
  }
  return writer.finish();
}

/** Decodes a checkpoint body; throws `RangeError` when malformed. */
export function decodeCheckpoint(body: Uint8Array): CheckpointBody {
  const reader = new ByteReader(body);
  const baseIndex = reader.u64();
  const baseTerm = reader.u64();
  const hardState = reader.u8() === 1 ? reader.blob() : undefined;
  const snapshot =
    reader.u8() === 1
      ? { index: reader.u64(), term: reader.u64(), payload: reader.blob() }
      : undefined;
  reader.end();
  return { baseIndex, baseTerm, hardState, snapshot };
}
