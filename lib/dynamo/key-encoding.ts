// Order-preserving byte encoding of key values and composite (partition, sort) keys, so that a
// storage engine comparing keys with memcmp sorts them exactly as DynamoDB does: S by UTF-8
// bytes, N numerically, B by bytes. Every component is self-delimiting, which makes the
// composite encoding sort by partition key first and sort key second.
//
// Format (docs/data-model.md has the full description):
//   S, B: the bytes with 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01.
//   N:    zero is 0x02. A positive number is 0x03, the adjusted exponent + 130 in one byte,
//         its digits in pairs as bytes 1…100, then 0x00. A negative number is 0x01 followed
//         by the same bytes each subtracted from 255 (so larger magnitudes sort first) and the
//         terminator 0xFF.

import { fail, ok, DynamoError, type Result } from './errors.js';
import type { AttributeValue } from './attribute-value.js';
import { numberExponentMin, zero, type DynamoNumber } from './number.js';

/** The scalar types a key attribute may have. */
export type KeyType = 'S' | 'N' | 'B';

const negativeTag = 0x01;
const zeroTag = 0x02;
const positiveTag = 0x03;

const utf8Encoder = new TextEncoder();
/** Strings longer than this are encoded by TextEncoder (shorter ones: the loop is cheaper). */
const nativeUtf8From = 32;

/** A growable byte buffer that key and item encoders write into. */
export class ByteWriter {
  private bytes: Uint8Array;
  /** The number of bytes written so far. */
  length = 0;

  constructor(capacity = 64) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + count));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Appends one byte. */
  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  /** Appends raw bytes. */
  raw(values: Uint8Array): void {
    this.reserve(values.length);
    this.bytes.set(values, this.length);
    this.length += values.length;
  }

  /** Appends an unsigned LEB128 integer. */
  varint(value: number): void {
    let remaining = value;
    while (remaining >= 0x80) {
      this.byte((remaining % 0x80) | 0x80);
      remaining = Math.floor(remaining / 0x80);
    }
    this.byte(remaining);
  }

  /** Appends a string as UTF-8 with 0x00 escaped, then the 0x00 0x01 terminator. */
  escapedString(text: string): void {
    this.utf8(text, true);
    this.bytes[this.length++] = 0x00;
    this.bytes[this.length++] = 0x01;
  }

  /** Appends a string as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
  utf8(text: string, escapeZero = false): void {
    this.reserve(text.length * 3 + 2);
    if (!escapeZero && text.length > nativeUtf8From) {
      // The platform's encoder: same bytes, far less time on long attribute values.
      this.length += utf8Encoder.encodeInto(text, this.bytes.subarray(this.length)).written;
      return;
    }
    const bytes = this.bytes;
    let at = this.length;
    for (let index = 0; index < text.length; index++) {
      let code = text.charCodeAt(index);
      if (code < 0x80) {
        bytes[at++] = code;
        if (code === 0 && escapeZero) bytes[at++] = 0xff;
        continue;
      }
      if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
        const next = text.charCodeAt(index + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          index++;
          bytes[at++] = 0xf0 | (code >> 18);
          bytes[at++] = 0x80 | ((code >> 12) & 0x3f);
          bytes[at++] = 0x80 | ((code >> 6) & 0x3f);
          bytes[at++] = 0x80 | (code & 0x3f);
          continue;
        }
      }
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      if (code < 0x800) {
        bytes[at++] = 0xc0 | (code >> 6);
        bytes[at++] = 0x80 | (code & 0x3f);
      } else {
        bytes[at++] = 0xe0 | (code >> 12);
        bytes[at++] = 0x80 | ((code >> 6) & 0x3f);
        bytes[at++] = 0x80 | (code & 0x3f);
      }
    }
    this.length = at;
  }

  /** Appends bytes with 0x00 escaped, then the 0x00 0x01 terminator. */
  escapedBytes(values: Uint8Array): void {
    this.reserve(values.length * 2 + 2);
    for (const value of values) {
      this.bytes[this.length++] = value;
      if (value === 0) this.bytes[this.length++] = 0xff;
    }
    this.bytes[this.length++] = 0x00;
    this.bytes[this.length++] = 0x01;
  }

  /** Appends a number in the order-preserving encoding. */
  number(value: DynamoNumber): void {
    const { digits } = value;
    if (digits.length === 0) {
      this.byte(zeroTag);
      return;
    }
    this.reserve(4 + (digits.length >> 1) + 1);
    const flip = value.negative ? 0xff : 0;
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = value.negative ? negativeTag : positiveTag;
    bytes[at++] = flip ^ (value.exponent - numberExponentMin);
    for (let index = 0; index < digits.length; index += 2) {
      const high = digits.charCodeAt(index) - 48;
      const low = index + 1 < digits.length ? digits.charCodeAt(index + 1) - 48 : 0;
      bytes[at++] = flip ^ (high * 10 + low + 1);
    }
    bytes[at++] = flip;
    this.length = at;
  }

  /** The bytes written, as a fresh array. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A reader over encoded bytes; a read past the end throws a RangeError the caller converts. */
export class ByteReader {
  offset = 0;

  constructor(readonly bytes: Uint8Array) {}

  /** Reads one byte. */
  byte(): number {
    if (this.offset >= this.bytes.length) throw new RangeError('truncated encoding');
    return this.bytes[this.offset++] as number;
  }

  /** Reads an unsigned LEB128 integer. */
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let count = 0; count < 8; count++) {
      const value = this.byte();
      result += (value & 0x7f) * multiplier;
      if (value < 0x80) return result;
      multiplier *= 0x80;
    }
    throw new RangeError('varint too long');
  }

  /** Reads `count` raw bytes. */
  raw(count: number): Uint8Array {
    if (this.offset + count > this.bytes.length) throw new RangeError('truncated encoding');
    const slice = this.bytes.slice(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }

  /** Reads escaped bytes up to and including their terminator. */
  escapedBytes(): Uint8Array {
    const output: number[] = [];
    for (;;) {
      const value = this.byte();
      if (value !== 0) {
        output.push(value);
        continue;
      }
      const next = this.byte();
      if (next === 0x01) return Uint8Array.from(output);
      if (next !== 0xff) throw new RangeError('bad escape');
      output.push(0);
    }
  }

  /** Reads a number in the order-preserving encoding. */
  number(): DynamoNumber {
    const tag = this.byte();
    if (tag === zeroTag) return zero;
    if (tag !== negativeTag && tag !== positiveTag) throw new RangeError('bad number tag');
    const flip = tag === negativeTag ? 0xff : 0;
    const exponent = (flip ^ this.byte()) + numberExponentMin;
    let digits = '';
    for (let count = 0; count < 64; count++) {
      const pair = flip ^ this.byte();
      if (pair === 0 || pair > 100) throw new RangeError('bad digit pair');
      const both = pair - 1;
      digits += String.fromCharCode(48 + Math.floor(both / 10), 48 + (both % 10));
      if (this.offset >= this.bytes.length) throw new RangeError('truncated encoding');
      if ((flip ^ (this.bytes[this.offset] as number)) !== 0) continue;
      this.offset++;
      // Canonical digits never end in zero, so a final zero is the padding of an odd count.
      if (both % 10 === 0) digits = digits.slice(0, -1);
      if (digits.endsWith('0')) throw new RangeError('bad digits');
      return { negative: tag === negativeTag, digits, exponent };
    }
    throw new RangeError('number too long');
  }
}

/** Writes one key value (S, N or B) in the order-preserving, self-delimiting encoding. */
export function writeKeyValue(writer: ByteWriter, value: AttributeValue): void {
  if (value.type === 'S') writer.escapedString(value.value);
  else if (value.type === 'N') writer.number(value.value);
  else if (value.type === 'B') writer.escapedBytes(value.value);
  else throw new TypeError(`key values are S, N or B, not ${value.type}`);
}

/**
 * One scratch writer reused by the key encoders: encoding is synchronous, so sharing it is
 * safe, and it saves an allocation per key on the hot path (one copy is made by `finish`).
 */
const scratch = new ByteWriter(4096);

/** Encodes one key value so that byte order equals DynamoDB order. */
export function encodeKeyValue(value: AttributeValue): Uint8Array {
  scratch.length = 0;
  writeKeyValue(scratch, value);
  return scratch.finish();
}

/** Encodes a (partition, sort) key: partition key order first, then sort key order. */
export function encodeCompositeKey(partition: AttributeValue, sort?: AttributeValue): Uint8Array {
  scratch.length = 0;
  writeKeyValue(scratch, partition);
  if (sort !== undefined) writeKeyValue(scratch, sort);
  return scratch.finish();
}

/** Reads one key value of a known type. */
export function readKeyValue(reader: ByteReader, type: KeyType): AttributeValue {
  if (type === 'N') return { type: 'N', value: reader.number() };
  const bytes = reader.escapedBytes();
  if (type === 'B') return { type: 'B', value: bytes };
  return { type: 'S', value: new TextDecoder().decode(bytes) };
}

function corrupt(reason: string): { ok: false; error: DynamoError } {
  return fail(new DynamoError('InternalServerError', `Internal server error: ${reason}`));
}

/** Decodes bytes made by {@link encodeKeyValue}. */
export function decodeKeyValue(bytes: Uint8Array, type: KeyType): Result<AttributeValue> {
  const decoded = decodeCompositeKey(bytes, type);
  return decoded.ok ? ok(decoded.value.partition) : decoded;
}

/** The two halves of a decoded composite key. */
export interface DecodedKey {
  readonly partition: AttributeValue;
  readonly sort?: AttributeValue;
}

/** Decodes bytes made by {@link encodeCompositeKey}, given the key attribute types. */
export function decodeCompositeKey(
  bytes: Uint8Array,
  partitionType: KeyType,
  sortType?: KeyType,
): Result<DecodedKey> {
  try {
    const reader = new ByteReader(bytes);
    const partition = readKeyValue(reader, partitionType);
    const sort = sortType === undefined ? undefined : readKeyValue(reader, sortType);
    if (reader.offset !== bytes.length) return corrupt('trailing bytes after key');
    return ok(sort === undefined ? { partition } : { partition, sort });
  } catch (error) {
    if (error instanceof RangeError) return corrupt(error.message);
    throw error;
  }
}
