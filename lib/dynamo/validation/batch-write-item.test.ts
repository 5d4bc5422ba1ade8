import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateBatchWriteItem } from './batch-write-item.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';

describe('BatchWriteItem', () => {
  describe('serializations', () => {
    test('PutRequest must be a structure', () =>
      assertSerialization(
        validateBatchWriteItem({ RequestItems: { abc: [{ PutRequest: 'x' }] } }),
        'Unexpected field type',
      ));
  });
  describe('validations', () => {
    test('Item must not be null', () =>
      assertValidation(
        validateBatchWriteItem({ RequestItems: { abc: [{ PutRequest: {} }] } }),
        oneViolation(
          'null',
          'requestItems.abc.member.1.member.putRequest.item',
          'Member must not be null',
        ),
      ));
    test('more than 25 requests for one table', () =>
      assertValidation(
        validateBatchWriteItem({
          RequestItems: {
            abc: Array.from({ length: 26 }, (_, index) => ({
              DeleteRequest: { Key: { a: { N: String(index) } } },
            })),
          },
        }),
        oneViolation(
          `'{"abc":[${Array.from({ length: 26 }, (_, index) => `{"DeleteRequest":{"Key":{"a":{"N":"${index}"}}}}`).join(',')}]}'`,
          'requestItems',
          'Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]',
        ),
      ));
    test('an empty write request', () =>
      assertValidation(
        validateBatchWriteItem({ RequestItems: { abc: [{}] } }),
        'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
      ));
    test('item too large', () =>
      assertValidation(
        validateBatchWriteItem({
          RequestItems: { abc: [{ PutRequest: { Item: { a: { S: 'x'.repeat(410000) } } } }] },
        }),
        'Item size has exceeded the maximum allowed size',
      ));
  });
  describe('functionality', () => {
    test('a valid request passes', () => {
      assert.ok(
        assertValid(
          validateBatchWriteItem({
            RequestItems: { abc: [{ PutRequest: { Item: { a: { S: 'x' } } } }] },
          }),
        ).data,
      );
    });
  });
});
