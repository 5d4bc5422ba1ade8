import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateBatchGetItem } from './batch-get-item.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';

describe('BatchGetItem', () => {
  describe('serializations', () => {
    test('RequestItems must be a map', () =>
      assertSerialization(
        validateBatchGetItem({ RequestItems: [] }),
        'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.KeysAndAttributes>',
      ));
    test('Keys members must be maps', () =>
      assertSerialization(
        validateBatchGetItem({ RequestItems: { abc: { Keys: ['x'] } } }),
        "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')",
      ));
  });
  describe('validations', () => {
    test('no RequestItems', () =>
      assertValidation(
        validateBatchGetItem({}),
        oneViolation('null', 'requestItems', 'Member must not be null'),
      ));
    test('empty RequestItems', () =>
      assertValidation(
        validateBatchGetItem({ RequestItems: {} }),
        oneViolation("'{}'", 'requestItems', 'Member must have length greater than or equal to 1'),
      ));
    test('bad table name key', () =>
      assertValidation(
        validateBatchGetItem({ RequestItems: { a: { Keys: [{ a: { S: 'a' } }] } } }),
        oneViolation(
          `'{"a":{"Keys":[{"a":{"S":"a"}}]}}'`,
          'requestItems',
          'Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]',
        ),
      ));
    test('empty Keys', () =>
      assertValidation(
        validateBatchGetItem({ RequestItems: { abc: { Keys: [] } } }),
        oneViolation(
          "'[]'",
          'requestItems.abc.member.keys',
          'Member must have length greater than or equal to 1',
        ),
      ));
    test('duplicate keys', () =>
      assertValidation(
        validateBatchGetItem({
          RequestItems: { abc: { Keys: [{ a: { N: '1' } }, { a: { N: '1.0' } }] } },
        }),
        'Provided list of item keys contains duplicates',
      ));
    test('more than 100 keys in all', () => {
      const keys = (offset: number): unknown[] =>
        Array.from({ length: 60 }, (_, index) => ({ a: { N: String(index + offset) } }));
      assertValidation(
        validateBatchGetItem({
          RequestItems: { abc: { Keys: keys(0) }, abd: { Keys: keys(100) } },
        }),
        'Too many items requested for the BatchGetItem call',
      );
    });
  });
  describe('functionality', () => {
    test('a valid request passes', () => {
      const validated = assertValid(
        validateBatchGetItem({
          RequestItems: { abc: { Keys: [{ a: { S: 'x' } }], ProjectionExpression: 'a' } },
        }),
      );
      assert.ok(validated.data['RequestItems']);
    });
  });
});
