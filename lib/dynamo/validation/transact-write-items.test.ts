import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateTransactWriteItems } from './transact-write-items.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';

const update = (key: string): unknown => ({
  Update: {
    TableName: 'abc',
    Key: { a: { S: key } },
    UpdateExpression: 'SET b = :b',
    ExpressionAttributeValues: { ':b': { N: '1' } },
  },
});

describe('TransactWriteItems', () => {
  describe('serializations', () => {
    test('Put must be a structure', () =>
      assertSerialization(
        validateTransactWriteItems({ TransactItems: [{ Put: 1 }] }),
        'Unexpected field type',
      ));
  });
  describe('validations', () => {
    test('ClientRequestToken length', () =>
      assertValidation(
        validateTransactWriteItems({
          TransactItems: [update('x')],
          ClientRequestToken: 'x'.repeat(37),
        }),
        oneViolation(
          `'${'x'.repeat(37)}'`,
          'clientRequestToken',
          'Member must have length less than or equal to 36',
        ),
      ));
    test('Update needs an UpdateExpression', () =>
      assertValidation(
        validateTransactWriteItems({
          TransactItems: [{ Update: { TableName: 'abc', Key: { a: { S: 'x' } } } }],
        }),
        oneViolation(
          'null',
          'transactItems.1.member.update.updateExpression',
          'Member must not be null',
        ),
      ));
    test('exactly one action per element', () =>
      assertValidation(
        validateTransactWriteItems({ TransactItems: [{}] }),
        'TransactItems can only contain one of Check, Put, Update or Delete',
      ));
    test('two actions on one item', () =>
      assertValidation(
        validateTransactWriteItems({ TransactItems: [update('x'), update('x')] }),
        'Transaction request cannot include multiple operations on one item',
      ));
    test('expressions are checked per action', () =>
      assertValidation(
        validateTransactWriteItems({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: 'abc',
                Key: { a: { S: 'x' } },
                ConditionExpression: 'b = :missing',
              },
            },
          ],
        }),
        'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing',
      ));
  });
  describe('functionality', () => {
    test('a mixed transaction passes', () => {
      const validated = assertValid(
        validateTransactWriteItems({
          TransactItems: [
            update('x'),
            { Put: { TableName: 'abc', Item: { a: { S: 'y' } } } },
            { Delete: { TableName: 'abc', Key: { a: { S: 'z' } } } },
          ],
        }),
      );
      assert.equal((validated.data['TransactItems'] as unknown[]).length, 3);
    });
  });
});
