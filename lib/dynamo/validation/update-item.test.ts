import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemToWire } from '../attribute-value.js';
import { applyUpdate } from '../expressions/apply-update.js';
import { validateUpdateItem } from './update-item.js';
import { assertSerialization, assertValid, assertValidation } from './test-support.js';

const base = { TableName: 'abc', Key: { a: { S: 'x' } } };

describe('UpdateItem', () => {
  describe('serializations', () => {
    test('AttributeUpdates must be a map', () =>
      assertSerialization(
        validateUpdateItem({ ...base, AttributeUpdates: [] }),
        'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValueUpdate>',
      ));
    test('AttributeUpdates value must be a field structure', () =>
      assertSerialization(
        validateUpdateItem({ ...base, AttributeUpdates: { a: { Value: 1 } } }),
        'Unexpected field type',
      ));
    test('UpdateExpression must be a string', () =>
      assertSerialization(
        validateUpdateItem({ ...base, UpdateExpression: {} }),
        'Start of structure or map found where not expected',
      ));
  });

  describe('validations', () => {
    test('no Key', () =>
      assertValidation(
        validateUpdateItem({ TableName: 'abc' }),
        "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null",
      ));
    const cases: [Record<string, unknown>, string][] = [
      [
        { UpdateExpression: 'SET a = :a', AttributeUpdates: {} },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}',
      ],
      [
        { AttributeUpdates: { b: { Action: 'PUT' } } },
        'One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified',
      ],
      [
        { AttributeUpdates: { b: { Action: 'DELETE', Value: { S: 'a' } } } },
        'One or more parameter values were invalid: DELETE action with value is not supported for the type S',
      ],
      [
        { AttributeUpdates: { b: { Action: 'ADD', Value: { S: 'a' } } } },
        'One or more parameter values were invalid: ADD action is not supported for the type S',
      ],
      [
        { ExpressionAttributeValues: { ':a': { S: 'a' } } },
        'ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null',
      ],
      [
        { UpdateExpression: 'SET a = :a, a = :a', ExpressionAttributeValues: { ':a': { S: 'a' } } },
        'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
      ],
      [
        {
          UpdateExpression: 'SET b = :a',
          ConditionExpression: 'c = :b',
          ExpressionAttributeValues: { ':a': { S: 'a' } },
        },
        'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :b',
      ],
    ];
    for (const [extra, message] of cases) {
      test(message.slice(0, 90), () =>
        assertValidation(validateUpdateItem({ ...base, ...extra }), message),
      );
    }
  });

  describe('functionality', () => {
    test('UpdateExpression and ConditionExpression parse once, apply many', () => {
      const validated = assertValid(
        validateUpdateItem({
          ...base,
          UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :one',
          ConditionExpression: 'attribute_not_exists(#c) OR #c < :max',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: {
            ':zero': { N: '0' },
            ':one': { N: '1' },
            ':max': { N: '10' },
          },
        }),
      );
      assert.ok(validated.update && validated.condition);
      let item = new Map(validated.key);
      for (let round = 0; round < 3; round++) {
        const applied = applyUpdate(validated.update, item);
        assert.ok(applied.ok);
        item = new Map(applied.value);
      }
      assert.deepEqual(itemToWire(item), { a: { S: 'x' }, count: { N: '3' } });
    });
    test('AttributeUpdates convert to the same update form', () => {
      const validated = assertValid(
        validateUpdateItem({
          ...base,
          AttributeUpdates: {
            p: { Action: 'PUT', Value: { S: 'v' } },
            n: { Action: 'ADD', Value: { N: '2' } },
            l: { Action: 'ADD', Value: { L: [{ S: 'e' }] } },
            gone: { Action: 'DELETE' },
          },
        }),
      );
      assert.ok(validated.update);
      const applied = applyUpdate(validated.update, new Map([['gone', { type: 'S', value: 'x' }]]));
      assert.ok(applied.ok);
      assert.deepEqual(itemToWire(applied.value), {
        p: { S: 'v' },
        n: { N: '2' },
        l: { L: [{ S: 'e' }] },
      });
    });
  });
});
