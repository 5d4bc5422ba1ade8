import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateCondition } from '../expressions/evaluate.js';
import { validatePutItem } from './put-item.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';

const base = { TableName: 'abc', Item: { a: { S: 'x' } } };

describe('PutItem', () => {
  describe('serializations', () => {
    const cases: [unknown, string][] = [
      [{ ...base, TableName: true }, 'TRUE_VALUE cannot be converted to String'],
      [
        { ...base, Item: [] },
        'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>',
      ],
      [{ ...base, Item: { a: 'x' } }, 'Unexpected value type in payload'],
      [{ ...base, Item: { a: { S: 1 } } }, 'NUMBER_VALUE cannot be converted to String'],
      [
        { ...base, Expected: { a: [] } },
        'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue',
      ],
      [{ ...base, Expected: { a: { Exists: 'nope' } } }, 'Unexpected token received from parser'],
      [{ ...base, Expected: { a: { Value: 'x' } } }, 'Unexpected field type'],
      [{ ...base, ReturnValues: 5 }, 'NUMBER_VALUE cannot be converted to String'],
      [
        { ...base, ExpressionAttributeNames: { '#a': 1 } },
        'NUMBER_VALUE cannot be converted to String',
      ],
    ];
    for (const [request, message] of cases) {
      test(message, () => assertSerialization(validatePutItem(request), message));
    }
  });

  describe('validations', () => {
    test('no TableName and no Item', () =>
      assertValidation(
        validatePutItem({}),
        "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'item' failed to satisfy constraint: Member must not be null",
      ));
    test('short table name', () =>
      assertValidation(
        validatePutItem({ ...base, TableName: 'ab' }),
        oneViolation("'ab'", 'tableName', 'Member must have length greater than or equal to 3'),
      ));
    test('bad table name and enums aggregate', () =>
      assertValidation(
        validatePutItem({
          ...base,
          TableName: 'a;',
          ReturnValues: 'x',
          ReturnConsumedCapacity: 'y',
        }),
        "4 validation errors detected: Value 'y' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'a;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a;' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'x' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
      ));
    test('expected comparison operator enum inside a map', () =>
      assertValidation(
        validatePutItem({ ...base, Expected: { a: { ComparisonOperator: 'X' } } }),
        oneViolation(
          "'X'",
          'expected.a.member.comparisonOperator',
          'Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]',
        ),
      ));
    const custom: [Record<string, unknown>, string][] = [
      [
        { ConditionExpression: 'a = :a', Expected: { a: { Exists: false } } },
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}',
      ],
      [
        { ExpressionAttributeNames: { '#a': 'a' } },
        'ExpressionAttributeNames can only be specified when using expressions',
      ],
      [
        { ExpressionAttributeValues: { ':a': { S: 'a' } } },
        'ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null',
      ],
      [
        { Item: { a: { NULL: false } } },
        'One or more parameter values were invalid: Null attribute value types must have the value of true',
      ],
      [{ ReturnValues: 'ALL_NEW' }, 'ReturnValues can only be ALL_OLD or NONE'],
      [
        { Item: { a: { S: 'x'.repeat(400 * 1024) } } },
        'Item size has exceeded the maximum allowed size',
      ],
      [
        { Expected: { a: { Value: { S: 'a' }, AttributeValueList: [] } } },
        'One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a',
      ],
      [
        { Expected: { a: { ComparisonOperator: 'EQ', Exists: true } } },
        'One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a',
      ],
      [
        { Expected: { a: { ComparisonOperator: 'EQ' } } },
        'One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a',
      ],
      [
        { Expected: { a: { AttributeValueList: [] } } },
        'One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a',
      ],
      [
        { Expected: { a: {} } },
        'One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a',
      ],
      [
        { Expected: { a: { Exists: false, Value: { S: 'a' } } } },
        'One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a',
      ],
      [
        { Expected: { a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '1' }] } } },
        'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator',
      ],
      [
        {
          Expected: {
            a: { ComparisonOperator: 'IN', AttributeValueList: [{ N: '1' }, { S: '1' }] },
          },
        },
        'One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type',
      ],
      [
        {
          Expected: {
            a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '2' }, { N: '1' }] },
          },
        },
        'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound',
      ],
      [
        { ConditionExpression: 'a = :a', ExpressionAttributeNames: {} },
        'ExpressionAttributeNames must not be empty',
      ],
      [
        { ConditionExpression: 'a = :a', ExpressionAttributeNames: { a: 'a' } },
        'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"',
      ],
      [
        { ConditionExpression: 'a = :a', ExpressionAttributeValues: {} },
        'ExpressionAttributeValues must not be empty',
      ],
      [
        { ConditionExpression: 'a = :a', ExpressionAttributeValues: { a: { S: 'a' } } },
        'ExpressionAttributeValues contains invalid key: Syntax error; key: "a"',
      ],
      [
        { ConditionExpression: 'a = :a', ExpressionAttributeValues: { ':a': { SS: [] } } },
        'ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :a',
      ],
      [
        {
          ConditionExpression: 'a = :a',
          ExpressionAttributeValues: { ':a': { S: 'a' }, ':b': { S: 'b' } },
        },
        'Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}',
      ],
      [
        {
          ConditionExpression: 'a = :a',
          ExpressionAttributeNames: { '#b': 'b' },
          ExpressionAttributeValues: { ':a': { S: 'a' } },
        },
        'Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}',
      ],
      [
        { ConditionExpression: 'a = :a' },
        'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :a',
      ],
    ];
    for (const [extra, message] of custom) {
      test(message.slice(0, 90), () =>
        assertValidation(validatePutItem({ ...base, ...extra }), message),
      );
    }
  });

  describe('functionality', () => {
    test('returns the item and the parsed condition', () => {
      const validated = assertValid(
        validatePutItem({
          ...base,
          ConditionExpression: 'attribute_not_exists(#a)',
          ExpressionAttributeNames: { '#a': 'a' },
        }),
      );
      assert.equal(validated.item?.get('a')?.type, 'S');
      assert.ok(validated.condition);
      assert.equal(evaluateCondition(validated.condition, new Map()), true);
    });
    test('Expected converts to the same condition form (OR)', () => {
      const validated = assertValid(
        validatePutItem({
          ...base,
          Expected: { a: { Exists: false }, b: { Value: { S: 'x' } } },
          ConditionalOperator: 'OR',
        }),
      );
      assert.ok(validated.condition);
      assert.equal(evaluateCondition(validated.condition, validated.item ?? new Map()), false);
      assert.equal(evaluateCondition(validated.condition, new Map()), true);
    });
    test('unknown members are ignored, integers and booleans normalized', () => {
      const validated = assertValid(validatePutItem({ ...base, Whatever: 1 }));
      assert.equal('Whatever' in validated.data, false);
    });
  });
});
