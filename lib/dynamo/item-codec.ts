// A compact binary form of items for the storage node: a varint attribute count, then for each
// attribute its UTF-8 name (varint length first) and a tagged value. Numbers use the key
// encoding (about half a byte per digit); binaries are stored raw, never as base64.

import { utf8Length, type AttributeValue, type Item } from './attribute-value.js';
import { DynamoError, fail, ok, type Result } from './errors.js';
import { ByteReader, ByteWriter } from './key-encoding.js';

const enum Tag {
  S = 1,
  N = 2,
  B = 3,
  SS = 4,
  NS = 5,
  BS = 6,
  M = 7,
  L = 8,
  Null = 9,
  True = 10,
  False = 11,
}

/** The version byte leading every encoded item, so the format can evolve. */
export const itemCodecVersion = 1;

const decoder = new TextDecoder('utf-8', { fatal: false });

function writeString(writer: ByteWriter, text: string): void {
  writer.varint(utf8Length(text));
  writer.utf8(text);
}

function writeBytes(writer: ByteWriter, bytes: Uint8Array): void {
  writer.varint(bytes.length);
  writer.raw(bytes);
}

function writeValue(writer: ByteWriter, value: AttributeValue): void {
  switch (value.type) {
    case 'S':
      writer.byte(Tag.S);
      return writeString(writer, value.value);
    case 'N':
      writer.byte(Tag.N);
      return writer.number(value.value);
    case 'B':
      writer.byte(Tag.B);
      return writeBytes(writer, value.value);
    case 'SS':
      writer.byte(Tag.SS);
      writer.varint(value.value.length);
      for (const member of value.value) writeString(writer, member);
      return;
    case 'NS':
      writer.byte(Tag.NS);
      writer.varint(value.value.length);
      for (const member of value.value) writer.number(member);
      return;
    case 'BS':
      writer.byte(Tag.BS);
      writer.varint(value.value.length);
      for (const member of value.value) writeBytes(writer, member);
      return;
    case 'M':
      writer.byte(Tag.M);
      return writeMap(writer, value.value);
    case 'L':
      writer.byte(Tag.L);
      writer.varint(value.value.length);
      for (const member of value.value) writeValue(writer, member);
      return;
    case 'NULL':
      return writer.byte(Tag.Null);
    case 'BOOL':
      return writer.byte(value.value ? Tag.True : Tag.False);
  }
}

function writeMap(writer: ByteWriter, map: Item): void {
  writer.varint(map.size);
  for (const [name, value] of map) {
    writeString(writer, name);
    writeValue(writer, value);
  }
}

/** Encodes an item into compact bytes. */
export function encodeItem(item: Item): Uint8Array {
  const writer = new ByteWriter(256);
  writer.byte(itemCodecVersion);
  writeMap(writer, item);
  return writer.finish();
}

function readString(reader: ByteReader): string {
  return decoder.decode(reader.raw(reader.varint()));
}

function readCount(reader: ByteReader): number {
  const count = reader.varint();
  // Each element takes at least one byte, so a larger count is corruption, not a big item.
  if (count > reader.bytes.length - reader.offset) throw new RangeError('count exceeds input');
  return count;
}

function readValue(reader: ByteReader, depth: number): AttributeValue {
  if (depth > 64) throw new RangeError('nesting too deep');
  const tag = reader.byte();
  switch (tag) {
    case Tag.S:
      return { type: 'S', value: readString(reader) };
    case Tag.N:
      return { type: 'N', value: reader.number() };
    case Tag.B:
      return { type: 'B', value: reader.raw(reader.varint()) };
    case Tag.SS:
      return { type: 'SS', value: repeat(readCount(reader), () => readString(reader)) };
    case Tag.NS:
      return { type: 'NS', value: repeat(readCount(reader), () => reader.number()) };
    case Tag.BS:
      return { type: 'BS', value: repeat(readCount(reader), () => reader.raw(reader.varint())) };
    case Tag.M:
      return { type: 'M', value: readMap(reader, depth + 1) };
    case Tag.L:
      return {
        type: 'L',
        value: repeat(readCount(reader), () => readValue(reader, depth + 1)),
      };
    case Tag.Null:
      return { type: 'NULL', value: true };
    case Tag.True:
      return { type: 'BOOL', value: true };
    case Tag.False:
      return { type: 'BOOL', value: false };
    default:
      throw new RangeError(`unknown tag ${tag}`);
  }
}

function repeat<T>(count: number, read: () => T): T[] {
  const values: T[] = [];
  for (let index = 0; index < count; index++) values.push(read());
  return values;
}

function readMap(reader: ByteReader, depth: number): Map<string, AttributeValue> {
  const count = readCount(reader);
  const map = new Map<string, AttributeValue>();
  for (let index = 0; index < count; index++) {
    const name = readString(reader);
    map.set(name, readValue(reader, depth));
  }
  return map;
}

/** Decodes bytes made by {@link encodeItem}; corrupt input is an InternalServerError. */
export function decodeItem(bytes: Uint8Array): Result<Item> {
  try {
    const reader = new ByteReader(bytes);
    const version = reader.byte();
    if (version !== itemCodecVersion) throw new RangeError(`unknown item version ${version}`);
    const item = readMap(reader, 0);
    if (reader.offset !== bytes.length) throw new RangeError('trailing bytes after item');
    return ok(item);
  } catch (error) {
    if (error instanceof RangeError) {
      return fail(
        new DynamoError('InternalServerError', `Internal server error: ${error.message}`),
      );
    }
    throw error;
  }
}
