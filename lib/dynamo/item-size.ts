// Item size as DynamoDB computes it for the 400 KB limit and for capacity units: attribute
// names plus values, strings and binaries by their bytes, numbers by their significant digits,
// documents with 3 bytes of overhead plus 1 byte per element.

import { utf8Length, type AttributeValue, type Item } from './attribute-value.js';
import type { DynamoNumber } from './number.js';

/** The largest item DynamoDB stores, in bytes (400 KB). */
export const itemSizeBytesMax = 400 * 1024;
/** The largest partition key value, in bytes. */
export const partitionKeyBytesMax = 2048;
/** The largest sort key value, in bytes. */
export const sortKeyBytesMax = 1024;

/** DynamoDB's messages for items and keys that are too large. */
export const sizeMessages = {
  item: 'Item size has exceeded the maximum allowed size',
  itemAfterUpdate: 'Item size to update has exceeded the maximum allowed size',
  partitionKey:
    'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
  sortKey:
    'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
} as const;

/**
 * The stored size of a number: one byte of exponent, one byte per two significant digits, an
 * extra byte when digit pairs straddle the decimal point, one more for negatives.
 */
export function numberSize(value: DynamoNumber): number {
  const digitCount = value.digits.length;
  if (digitCount === 0) return 1;
  const straddles = digitCount % 2 === 0 && value.exponent % 2 === 0 ? 1 : 0;
  return 1 + Math.ceil(digitCount / 2) + straddles + (value.negative ? 1 : 0);
}

/** The size DynamoDB charges for one attribute value (without its name). */
export function attributeValueSize(value: AttributeValue): number {
  switch (value.type) {
    case 'S':
      return utf8Length(value.value);
    case 'N':
      return numberSize(value.value);
    case 'B':
      return value.value.length;
    case 'SS':
      return value.value.reduce((sum, member) => sum + utf8Length(member), 0);
    case 'NS':
      return value.value.reduce((sum, member) => sum + numberSize(member), 0);
    case 'BS':
      return value.value.reduce((sum, member) => sum + member.length, 0);
    case 'NULL':
    case 'BOOL':
      return 1;
    case 'L':
      return value.value.reduce((sum, member) => sum + 1 + attributeValueSize(member), 3);
    case 'M':
      return 3 + value.value.size + itemSize(value.value);
  }
}

/** The size of an item: the sum over its attributes of name bytes plus value size. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of item) size += utf8Length(name) + attributeValueSize(value);
  return size;
}

/** The byte length DynamoDB checks against the key limits (numbers are never too long). */
export function keyValueSize(value: AttributeValue): number {
  if (value.type === 'S') return utf8Length(value.value);
  if (value.type === 'B') return value.value.length;
  return 0;
}
