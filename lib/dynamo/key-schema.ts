// Checks of items and keys against a table's key schema: key attributes present, of the
// declared type, non-empty, and within the 2048 / 1024-byte limits.

import type { AttributeValue, Item } from './attribute-value.js';
import { invalid, ok, type Result } from './errors.js';
import type { KeySchema } from './expressions/key-condition.js';
import { keyValueSize, partitionKeyBytesMax, sizeMessages, sortKeyBytesMax } from './item-size.js';
import { encodeCompositeKey } from './key-encoding.js';

const schemaMismatch = 'The provided key element does not match the schema';

function keysOf(schema: KeySchema): { name: string; type: string; isPartition: boolean }[] {
  const keys = [{ ...schema.partitionKey, isPartition: true }];
  if (schema.sortKey !== undefined) keys.push({ ...schema.sortKey, isPartition: false });
  return keys;
}

function checkSize(value: AttributeValue, isPartition: boolean): Result<null> {
  const size = keyValueSize(value);
  if (isPartition && size > partitionKeyBytesMax) return invalid(sizeMessages.partitionKey);
  if (!isPartition && size > sortKeyBytesMax) return invalid(sizeMessages.sortKey);
  return ok(null);
}

function isEmpty(value: AttributeValue): boolean {
  return (value.type === 'S' || value.type === 'B') && value.value.length === 0;
}

function emptyMessage(
  type: string,
  name: string,
  wording: 'were invalid:' | 'are not valid.',
): string {
  const what = type === 'S' ? 'string' : 'binary';
  return `One or more parameter values ${wording} The AttributeValue for a key attribute cannot contain an empty ${what} value. Key: ${name}`;
}

/** Checks a Key parameter (GetItem, DeleteItem, UpdateItem, batches) against the schema. */
export function validateKey(key: Item, schema: KeySchema): Result<null> {
  const keys = keysOf(schema);
  if (key.size !== keys.length) return invalid(schemaMismatch);
  for (const { name, type, isPartition } of keys) {
    const value = key.get(name);
    if (value === undefined || value.type !== type) return invalid(schemaMismatch);
    if (isEmpty(value)) return invalid(emptyMessage(type, name, 'were invalid:'));
    const size = checkSize(value, isPartition);
    if (!size.ok) return size;
  }
  return ok(null);
}

/** Checks an Item parameter (PutItem, BatchWriteItem) for its key attributes. */
export function validateItemKeys(item: Item, schema: KeySchema): Result<null> {
  for (const { name, type, isPartition } of keysOf(schema)) {
    const value = item.get(name);
    if (value === undefined) {
      return invalid(
        `One or more parameter values were invalid: Missing the key ${name} in the item`,
      );
    }
    if (value.type !== type) {
      return invalid(
        `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${type} actual: ${value.type}`,
      );
    }
    if (isEmpty(value)) return invalid(emptyMessage(type, name, 'are not valid.'));
    const size = checkSize(value, isPartition);
    if (!size.ok) return size;
  }
  return ok(null);
}

/** The key attributes of an item, in schema order. */
export function extractKey(item: Item, schema: KeySchema): Item {
  const key = new Map<string, AttributeValue>();
  for (const { name } of keysOf(schema)) {
    const value = item.get(name);
    if (value !== undefined) key.set(name, value);
  }
  return key;
}

/**
 * True when two of the items (or keys) share a primary key: BatchWriteItem then answers
 * "Provided list of item keys contains duplicates", TransactWriteItems "Transaction request
 * cannot include multiple operations on one item". Items must have passed the key checks.
 */
export function hasDuplicateKeys(items: readonly Item[], schema: KeySchema): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    const partition = item.get(schema.partitionKey.name);
    if (partition === undefined) continue;
    const sort = schema.sortKey === undefined ? undefined : item.get(schema.sortKey.name);
    const identity = Buffer.from(encodeCompositeKey(partition, sort)).toString('latin1');
    if (seen.has(identity)) return true;
    seen.add(identity);
  }
  return false;
}
