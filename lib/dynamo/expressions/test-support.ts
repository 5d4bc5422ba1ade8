// Helpers shared by the expression tests: wire placeholders in, typed placeholders out.

import assert from 'node:assert/strict';
import {
  attributeValueFromWire,
  itemFromWire,
  type AttributeValue,
  type Item,
} from '../attribute-value.js';
import type { Result } from '../errors.js';
import type { Placeholders } from './ast.js';

/** Converts wire ExpressionAttributeValues for a test. */
export function placeholders(
  names: Record<string, string> = {},
  wireValues: Record<string, unknown> = {},
): Placeholders {
  const values: Record<string, AttributeValue> = {};
  for (const [key, wire] of Object.entries(wireValues)) {
    const converted = attributeValueFromWire(wire);
    assert.ok(converted.ok, `test value ${key} must be valid`);
    values[key] = converted.value;
  }
  return { names, values };
}

/** Converts a wire item for a test. */
export function wireItem(wire: Record<string, unknown>): Item {
  const converted = itemFromWire(wire);
  assert.ok(converted.ok, 'test item must be valid');
  return converted.value;
}

/** The error message of a failed result, or undefined. */
export function messageOf<T>(result: Result<T>): string | undefined {
  return result.ok ? undefined : result.error.message;
}
