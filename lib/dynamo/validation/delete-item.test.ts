import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateCondition } from '../expressions/evaluate.js';
import { validateDeleteItem } from './delete-item.js';
import { assertSerialization, assertValid, assertValidation } from './test-support.js';

const base = { TableName: 'abc', Key: { a: { S: 'x' } } };

describe('DeleteItem', () => {
  describe('serializations', () => {
    test('Key must be a map', () =>
      assertSerialization(validateDeleteItem({ ...base, Key: 'x' }), 'Unexpected field type'));
  });
  describe('validations', () => {
    test('ReturnValues is ALL_OLD or NONE', () =>
      assertValidation(
        validateDeleteItem({ ...base, ReturnValues: 'UPDATED_NEW' }),
        'ReturnValues can only be ALL_OLD or NONE',
      ));
    test('ReturnValuesOnConditionCheckFailure enum', () =>
      assertValidation(
        validateDeleteItem({ ...base, ReturnValuesOnConditionCheckFailure: 'ALL_NEW' }),
        "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
      ));
  });
  describe('functionality', () => {
    test('Expected with ComparisonOperator converts', () => {
      const validated = assertValid(
        validateDeleteItem({
          ...base,
          Expected: { n: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '5' }] } },
        }),
      );
      assert.ok(validated.condition);
      assert.equal(
        evaluateCondition(
          validated.condition,
          new Map([['n', { type: 'N', value: { negative: false, digits: '6', exponent: 0 } }]]),
        ),
        true,
      );
      assert.equal(evaluateCondition(validated.condition, new Map()), false);
    });
  });
});
