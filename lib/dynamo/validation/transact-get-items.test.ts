import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateTransactGetItems } from './transact-get-items.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';

const get = (key: string): unknown => ({ Get: { TableName: 'abc', Key: { a: { S: key } } } });

describe('TransactGetItems', () => {
  describe('serializations', () => {
    test('TransactItems must be a list', () =>
      assertSerialization(
        validateTransactGetItems({ TransactItems: {} }),
        'Start of structure or map found where not expected',
      ));
  });
  describe('validations', () => {
    test('TransactItems required', () =>
      assertValidation(
        validateTransactGetItems({}),
        oneViolation('null', 'transactItems', 'Member must not be null'),
      ));
    test('at most 100 items', () => {
      const result = validateTransactGetItems({
        TransactItems: Array.from({ length: 101 }, (_, index) => get(String(index))),
      });
      assert.equal(result.ok, false);
      assert.match(
        result.ok ? '' : result.error.message,
        /at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/,
      );
    });
    test('Get must not be null', () =>
      assertValidation(
        validateTransactGetItems({ TransactItems: [{}] }),
        oneViolation('null', 'transactItems.1.member.get', 'Member must not be null'),
      ));
    test('two reads of one item', () =>
      assertValidation(
        validateTransactGetItems({ TransactItems: [get('x'), get('x')] }),
        'Transaction request cannot include multiple operations on one item',
      ));
  });
  describe('functionality', () => {
    test('distinct items pass', () =>
      assert.ok(assertValid(validateTransactGetItems({ TransactItems: [get('x'), get('y')] }))));
  });
});
