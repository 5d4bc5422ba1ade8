import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateGetItem } from './get-item.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';

const base = { TableName: 'abc', Key: { a: { S: 'x' } } };

describe('GetItem', () => {
  describe('serializations', () => {
    test('AttributesToGet must be a list', () =>
      assertSerialization(
        validateGetItem({ ...base, AttributesToGet: 'a' }),
        'Unexpected field type',
      ));
    test('ConsistentRead must be a boolean', () =>
      assertSerialization(
        validateGetItem({ ...base, ConsistentRead: 1 }),
        'NUMBER_VALUE cannot be converted to Boolean',
      ));
  });
  describe('validations', () => {
    test('empty AttributesToGet', () =>
      assertValidation(
        validateGetItem({ ...base, AttributesToGet: [] }),
        oneViolation(
          "'[]'",
          'attributesToGet',
          'Member must have length greater than or equal to 1',
        ),
      ));
    test('duplicate AttributesToGet', () =>
      assertValidation(
        validateGetItem({ ...base, AttributesToGet: ['a', 'a'] }),
        'One or more parameter values were invalid: Duplicate value in attribute name: a',
      ));
    test('mixing AttributesToGet and ProjectionExpression', () =>
      assertValidation(
        validateGetItem({ ...base, AttributesToGet: ['a'], ProjectionExpression: 'a' }),
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
      ));
    test('bad key value', () =>
      assertValidation(
        validateGetItem({ ...base, Key: { a: {} } }),
        'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      ));
  });
  describe('functionality', () => {
    test('projection paths from either form', () => {
      assert.deepEqual(
        assertValid(validateGetItem({ ...base, AttributesToGet: ['b'] })).projection,
        [['b']],
      );
      assert.deepEqual(
        assertValid(validateGetItem({ ...base, ProjectionExpression: 'b.c[1]' })).projection,
        [['b', 'c', 1]],
      );
    });
  });
});
