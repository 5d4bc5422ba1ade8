// Assertions shared by the per-operation validation tests.

import assert from 'node:assert/strict';
import type { Result } from '../errors.js';

/** Asserts a SerializationException with DynamoDB's exact message. */
export function assertSerialization<T>(result: Result<T>, message: string): void {
  assert.equal(result.ok, false, 'expected a SerializationException');
  if (result.ok) return;
  assert.equal(result.error.type, 'com.amazon.coral.service#SerializationException');
  assert.equal(result.error.message, message);
}

/** Asserts a ValidationException with DynamoDB's exact message. */
export function assertValidation<T>(result: Result<T>, message: string): void {
  assert.equal(result.ok, false, `expected a ValidationException: ${message}`);
  if (result.ok) return;
  assert.equal(result.error.type, 'com.amazon.coral.validate#ValidationException');
  assert.equal(result.error.httpStatus, 400);
  assert.equal(result.error.message, message);
}

/** Asserts success and returns the value. */
export function assertValid<T>(result: Result<T>): T {
  if (!result.ok)
    assert.fail(`expected success, got ${result.error.name}: ${result.error.message}`);
  return result.value;
}

/** `1 validation error detected: …` for one violation. */
export function oneViolation(value: string, path: string, constraint: string): string {
  return `1 validation error detected: Value ${value} at '${path}' failed to satisfy constraint: ${constraint}`;
}
