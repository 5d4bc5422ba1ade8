// Attribute values in two forms: DynamoDB's JSON wire form (`{"N": "1.0"}`, B as base64) and a
// typed internal form that is cheap to compare and to serialize (numbers canonical, binaries
// as bytes, maps as Maps so attribute names such as `__proto__` are plain keys).

import { fail, invalid, ok, serializationError, type Result } from './errors.js';
import {
  compareNumbers,
  formatNumber,
  numbersEqual,
  parseNumber,
  type DynamoNumber,
} from './number.js';

/** The ten DynamoDB data type descriptors. */
export type AttributeType = 'S' | 'N' | 'B' | 'SS' | 'NS' | 'BS' | 'M' | 'L' | 'NULL' | 'BOOL';

/** All type descriptors, in the order DynamoDB lists them in messages. */
export const attributeTypes: readonly AttributeType[] = [
  'S',
  'N',
  'B',
  'SS',
  'NS',
  'BS',
  'M',
  'L',
  'NULL',
  'BOOL',
];

/** The typed internal form of an attribute value. */
export type AttributeValue =
  | { readonly type: 'S'; readonly value: string }
  | { readonly type: 'N'; readonly value: DynamoNumber }
  | { readonly type: 'B'; readonly value: Uint8Array }
  | { readonly type: 'SS'; readonly value: readonly string[] }
  | { readonly type: 'NS'; readonly value: readonly DynamoNumber[] }
  | { readonly type: 'BS'; readonly value: readonly Uint8Array[] }
  | { readonly type: 'M'; readonly value: ReadonlyMap<string, AttributeValue> }
  | { readonly type: 'L'; readonly value: readonly AttributeValue[] }
  | { readonly type: 'NULL'; readonly value: true }
  | { readonly type: 'BOOL'; readonly value: boolean };

/** An item: attribute names to values. */
export type Item = ReadonlyMap<string, AttributeValue>;

/** The wire (JSON) form of an attribute value. */
export type WireAttributeValue = Readonly<Record<string, unknown>>;

/** The wire form of an item. */
export type WireItem = Readonly<Record<string, WireAttributeValue>>;

/** DynamoDB allows documents nested at most this deep. */
export const nestingDepthMax = 32;

/** DynamoDB's message when a document is nested too deeply. */
export const nestingMessage = 'Nesting Levels have exceeded supported limits';

const emptyMessage =
  'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
const multipleMessage =
  'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes';
const invalidPrefix = 'One or more parameter values were invalid: ';

const textEncoder = new TextEncoder();

/** Shorthand constructors used by tests, the evaluator and callers building values. */
export const av = {
  s: (value: string): AttributeValue => ({ type: 'S', value }),
  b: (value: Uint8Array): AttributeValue => ({ type: 'B', value }),
  bool: (value: boolean): AttributeValue => ({ type: 'BOOL', value }),
  null: (): AttributeValue => ({ type: 'NULL', value: true }),
  l: (value: readonly AttributeValue[]): AttributeValue => ({ type: 'L', value }),
  m: (value: ReadonlyMap<string, AttributeValue>): AttributeValue => ({ type: 'M', value }),
  n: (value: DynamoNumber): AttributeValue => ({ type: 'N', value }),
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renders a wire value the way DynamoDB quotes it in "Input collection … contains duplicates". */
function renderCollection(values: readonly unknown[]): string {
  return `[${values.map((value) => String(value)).join(', ')}]`;
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes DynamoDB's base64 with its SerializationException messages. */
export function decodeBase64(text: string): Result<Uint8Array> {
  if (text.length % 4 !== 0) {
    return fail(
      serializationError(
        `Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`,
      ),
    );
  }
  const bytes = base64Pattern.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (bytes === undefined || bytes.toString('base64') !== text) {
    return fail(serializationError('Invalid last non-pad Base64 character dectected'));
  }
  return ok(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Encodes bytes as base64 for the wire. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Converts one wire attribute value to the internal form, applying every rule DynamoDB applies
 * to a value (SerializationException for wrong JSON types, ValidationException with DynamoDB's
 * exact messages for empty or duplicate sets, bad numbers, NULL false, several types, nesting).
 */
export function attributeValueFromWire(wire: unknown, depth = 1): Result<AttributeValue> {
  if (!isPlainObject(wire)) {
    if (Array.isArray(wire)) {
      return fail(
        serializationError(
          'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue',
        ),
      );
    }
    return fail(serializationError('Unexpected value type in payload'));
  }
  // DynamoDB ignores unknown members and members set to null.
  const present = Object.keys(wire).filter(
    (key) => wire[key] != null && (attributeTypes as readonly string[]).includes(key),
  );
  if (present.length === 0) return invalid(emptyMessage);
  let converted: Result<AttributeValue> | undefined;
  for (const type of present) {
    const result = convertMember(type as AttributeType, wire[type], depth);
    if (!result.ok) return result;
    converted ??= result;
  }
  if (present.length > 1) return invalid(multipleMessage);
  return converted ?? invalid(emptyMessage);
}

function expectString(value: unknown, typeName: string): Result<string> {
  if (typeof value === 'string') return ok(value);
  return fail(serializationError(wrongJsonType(value, typeName)));
}

/** DynamoDB's (Jackson's) message for a JSON value of the wrong kind. */
export function wrongJsonType(value: unknown, typeName: string): string {
  if (typeof value === 'boolean') {
    return `${value ? 'TRUE_VALUE' : 'FALSE_VALUE'} cannot be converted to ${typeName}`;
  }
  if (typeof value === 'number') {
    return `${Number.isInteger(value) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE'} cannot be converted to ${typeName}`;
  }
  if (Array.isArray(value)) return `Unrecognized collection type class java.lang.${typeName}`;
  if (typeof value === 'object') return 'Start of structure or map found where not expected';
  return `STRING_VALUE cannot be converted to ${typeName}`;
}

function expectList(value: unknown): Result<readonly unknown[]> {
  if (Array.isArray(value)) return ok(value);
  if (isPlainObject(value)) {
    return fail(serializationError('Start of structure or map found where not expected'));
  }
  return fail(serializationError('Unexpected field type'));
}

function convertMember(type: AttributeType, raw: unknown, depth: number): Result<AttributeValue> {
  switch (type) {
    case 'S': {
      const text = expectString(raw, 'String');
      return text.ok ? ok({ type, value: text.value }) : text;
    }
    case 'N':
      return convertNumber(raw);
    case 'B':
      return convertBinary(raw);
    case 'BOOL':
    case 'NULL':
      return convertBoolean(type, raw);
    case 'SS':
      return convertStringSet(raw);
    case 'NS':
      return convertNumberSet(raw);
    case 'BS':
      return convertBinarySet(raw);
    case 'L':
      return convertList(raw, depth);
    case 'M':
      return convertMap(raw, depth);
  }
}

function convertNumber(raw: unknown): Result<AttributeValue> {
  const text = expectString(raw, 'String');
  if (!text.ok) return text;
  const parsed = parseNumber(text.value);
  return parsed.ok ? ok({ type: 'N', value: parsed.value }) : parsed;
}

function convertBinary(raw: unknown): Result<AttributeValue> {
  if (typeof raw !== 'string') {
    if (Array.isArray(raw)) {
      return fail(serializationError('Unrecognized collection type class java.nio.ByteBuffer'));
    }
    if (isPlainObject(raw)) {
      return fail(serializationError('Start of structure or map found where not expected'));
    }
    return fail(serializationError('only base-64-encoded strings are convertible to bytes'));
  }
  const bytes = decodeBase64(raw);
  return bytes.ok ? ok({ type: 'B', value: bytes.value }) : bytes;
}

function convertBoolean(type: 'BOOL' | 'NULL', raw: unknown): Result<AttributeValue> {
  let flag: boolean;
  if (typeof raw === 'boolean') {
    flag = raw;
  } else if (typeof raw === 'string' && ['TRUE', '1', 'YES'].includes(raw.toUpperCase())) {
    flag = true;
  } else if (typeof raw === 'string' && ['FALSE', '0', 'NO'].includes(raw.toUpperCase())) {
    flag = false;
  } else if (typeof raw === 'string') {
    return fail(serializationError('Unexpected token received from parser'));
  } else {
    return fail(serializationError(wrongJsonType(raw, 'Boolean')));
  }
  if (type === 'BOOL') return ok({ type, value: flag });
  if (!flag)
    return invalid(`${invalidPrefix}Null attribute value types must have the value of true`);
  return ok({ type: 'NULL', value: true });
}

function convertStringSet(raw: unknown): Result<AttributeValue> {
  const list = expectList(raw);
  if (!list.ok) return list;
  const strings: string[] = [];
  for (const member of list.value) {
    const text = expectString(member, 'String');
    if (!text.ok) return text;
    strings.push(text.value);
  }
  if (strings.length === 0) return invalid(`${invalidPrefix}An string set  may not be empty`);
  if (new Set(strings).size !== strings.length) {
    return invalid(
      `${invalidPrefix}Input collection ${renderCollection(strings)} contains duplicates.`,
    );
  }
  return ok({ type: 'SS', value: strings });
}

function convertNumberSet(raw: unknown): Result<AttributeValue> {
  const list = expectList(raw);
  if (!list.ok) return list;
  const texts: string[] = [];
  for (const member of list.value) {
    const text = expectString(member, 'String');
    if (!text.ok) return text;
    texts.push(text.value);
  }
  if (texts.length === 0) return invalid(`${invalidPrefix}An number set  may not be empty`);
  const numbers: DynamoNumber[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    const parsed = parseNumber(text);
    if (!parsed.ok) return parsed;
    numbers.push(parsed.value);
    seen.add(formatNumber(parsed.value));
  }
  if (seen.size !== numbers.length) return invalid('Input collection contains duplicates');
  return ok({ type: 'NS', value: numbers });
}

function convertBinarySet(raw: unknown): Result<AttributeValue> {
  const list = expectList(raw);
  if (!list.ok) return list;
  const texts: string[] = [];
  const values: Uint8Array[] = [];
  for (const member of list.value) {
    const binary = convertBinary(member);
    if (!binary.ok) return binary;
    texts.push(member as string);
    values.push(binary.value.value as Uint8Array);
  }
  if (values.length === 0) return invalid(`${invalidPrefix}Binary sets should not be empty`);
  if (new Set(texts).size !== texts.length) {
    return invalid(
      `${invalidPrefix}Input collection ${renderCollection(texts)}of type BS contains duplicates.`,
    );
  }
  return ok({ type: 'BS', value: values });
}

function convertList(raw: unknown, depth: number): Result<AttributeValue> {
  const list = expectList(raw);
  if (!list.ok) return list;
  if (depth > nestingDepthMax) return invalid(nestingMessage);
  const values: AttributeValue[] = [];
  for (const member of list.value) {
    const converted = attributeValueFromWire(member, depth + 1);
    if (!converted.ok) return converted;
    values.push(converted.value);
  }
  return ok({ type: 'L', value: values });
}

function convertMap(raw: unknown, depth: number): Result<AttributeValue> {
  if (!isPlainObject(raw)) {
    if (Array.isArray(raw)) {
      return fail(
        serializationError(
          'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>',
        ),
      );
    }
    return fail(serializationError('Unexpected field type'));
  }
  if (depth > nestingDepthMax) return invalid(nestingMessage);
  const values = new Map<string, AttributeValue>();
  for (const key of Object.keys(raw)) {
    if (raw[key] == null) continue;
    const converted = attributeValueFromWire(raw[key], depth + 1);
    if (!converted.ok) return converted;
    values.set(key, converted.value);
  }
  return ok({ type: 'M', value: values });
}

/** Converts a wire item (`{"name": {"S": "x"}}`) to the internal form. */
export function itemFromWire(wire: unknown): Result<Item> {
  if (!isPlainObject(wire)) {
    return fail(serializationError(wrongJsonType(wire, 'Map')));
  }
  const item = new Map<string, AttributeValue>();
  for (const name of Object.keys(wire)) {
    if (wire[name] == null) continue;
    const converted = attributeValueFromWire(wire[name]);
    if (!converted.ok) return converted;
    item.set(name, converted.value);
  }
  return ok(item);
}

/** Converts an internal value to DynamoDB's wire JSON. */
export function attributeValueToWire(value: AttributeValue): WireAttributeValue {
  switch (value.type) {
    case 'S':
    case 'BOOL':
    case 'NULL':
    case 'SS':
      return { [value.type]: value.value };
    case 'N':
      return { N: formatNumber(value.value) };
    case 'B':
      return { B: encodeBase64(value.value) };
    case 'NS':
      return { NS: value.value.map(formatNumber) };
    case 'BS':
      return { BS: value.value.map(encodeBase64) };
    case 'L':
      return { L: value.value.map(attributeValueToWire) };
    case 'M':
      return { M: itemToWire(value.value) };
  }
}

/** Converts an internal item to DynamoDB's wire JSON. */
export function itemToWire(item: Item): Record<string, WireAttributeValue> {
  const wire: Record<string, WireAttributeValue> = {};
  for (const [name, value] of item) {
    Object.defineProperty(wire, name, {
      value: attributeValueToWire(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return wire;
}

/** Orders byte strings as DynamoDB orders B values: unsigned, lexicographic. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/**
 * Orders strings as DynamoDB orders S values: by their UTF-8 bytes, which is code point order.
 * JavaScript's `<` compares UTF-16 units, which puts U+E000…U+FFFF after astral characters.
 */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const left = a.charCodeAt(index);
    const right = b.charCodeAt(index);
    if (left === right) continue;
    const leftSurrogate = left >= 0xd800 && left <= 0xdfff;
    const rightSurrogate = right >= 0xd800 && right <= 0xdfff;
    if (leftSurrogate !== rightSurrogate) return leftSurrogate ? 1 : -1;
    return left - right;
  }
  return a.length - b.length;
}

/** The UTF-8 length of a string, without allocating. */
export function utf8Length(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        index++;
      } else {
        length += 3;
      }
    } else length += 3;
  }
  return length;
}

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): Uint8Array {
  return textEncoder.encode(text);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

function setsEqual<T>(a: readonly T[], b: readonly T[], equal: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((member) => b.some((other) => equal(member, other)));
}

/** Deep equality as DynamoDB's `=` defines it (sets compare unordered). */
export function attributeValuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  switch (a.type) {
    case 'S':
    case 'BOOL':
    case 'NULL':
      return b.type === a.type && b.value === a.value;
    case 'N':
      return b.type === 'N' && numbersEqual(a.value, b.value);
    case 'B':
      return b.type === 'B' && bytesEqual(a.value, b.value);
    case 'SS':
      return b.type === 'SS' && setsEqual(a.value, b.value, (x, y) => x === y);
    case 'NS':
      return b.type === 'NS' && setsEqual(a.value, b.value, numbersEqual);
    case 'BS':
      return b.type === 'BS' && setsEqual(a.value, b.value, bytesEqual);
    case 'L':
      return (
        b.type === 'L' &&
        a.value.length === b.value.length &&
        a.value.every((member, index) =>
          attributeValuesEqual(member, b.value[index] as AttributeValue),
        )
      );
    case 'M':
      return b.type === 'M' && itemsEqual(a.value, b.value);
  }
}

/** Deep equality of two items or maps. */
export function itemsEqual(a: Item, b: Item): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) {
    const other = b.get(name);
    if (other === undefined || !attributeValuesEqual(value, other)) return false;
  }
  return true;
}

/**
 * Orders two scalar values of the same type (S, N or B) as DynamoDB orders keys. Returns
 * undefined when the values are not comparable (different types or non-scalars).
 */
export function compareScalars(a: AttributeValue, b: AttributeValue): number | undefined {
  if (a.type === 'S' && b.type === 'S') return compareStrings(a.value, b.value);
  if (a.type === 'N' && b.type === 'N') return compareNumbers(a.value, b.value);
  if (a.type === 'B' && b.type === 'B') return compareBytes(a.value, b.value);
  return undefined;
}

/** Depth of a value: 1 for scalars and sets, one more per level of L or M. */
export function nestingDepth(value: AttributeValue): number {
  if (value.type === 'L') {
    let deepest = 0;
    for (const member of value.value) deepest = Math.max(deepest, nestingDepth(member));
    return deepest + 1;
  }
  if (value.type === 'M') {
    let deepest = 0;
    for (const member of value.value.values()) deepest = Math.max(deepest, nestingDepth(member));
    return deepest + 1;
  }
  return 1;
}
