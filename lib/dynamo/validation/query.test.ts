import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateQuery } from './query.js';
import {
  assertSerialization,
  assertValid,
  assertValidation,
  oneViolation,
} from './test-support.js';

const base = {
  TableName: 'abc',
  KeyConditionExpression: 'a = :a',
  ExpressionAttributeValues: { ':a': { S: 'x' } },
};

describe('Query', () => {
  describe('serializations', () => {
    test('Limit must be a number', () =>
      assertSerialization(
        validateQuery({ ...base, Limit: 'x' }),
        'STRING_VALUE cannot be converted to Integer',
      ));
    test('KeyConditions must be a map', () =>
      assertSerialization(
        validateQuery({ TableName: 'abc', KeyConditions: [] }),
        'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.Condition>',
      ));
  });
  describe('validations', () => {
    test('Limit at least 1 and Select enum, aggregated', () =>
      assertValidation(
        validateQuery({ ...base, Limit: 0, Select: 'X' }),
        "2 validation errors detected: Value 'X' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]; Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ));
    test('KeyConditions ComparisonOperator must not be null', () =>
      assertValidation(
        validateQuery({ TableName: 'abc', KeyConditions: { a: {} } }),
        oneViolation(
          'null',
          'keyConditions.a.member.comparisonOperator',
          'Member must not be null',
        ),
      ));
    test('needs a key condition', () =>
      assertValidation(
        validateQuery({ TableName: 'abc' }),
        'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
      ));
    test('legacy and expression parameters cannot mix', () =>
      assertValidation(
        validateQuery({ ...base, QueryFilter: {} }),
        'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}',
      ));
    test('legacy filter argument counts', () =>
      assertValidation(
        validateQuery({
          TableName: 'abc',
          KeyConditions: { a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } },
          QueryFilter: { b: { ComparisonOperator: 'NULL', AttributeValueList: [{ S: 'x' }] } },
        }),
        'One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator',
      ));
    test('legacy filter types', () =>
      assertValidation(
        validateQuery({
          TableName: 'abc',
          KeyConditions: { a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } },
          QueryFilter: { b: { ComparisonOperator: 'LT', AttributeValueList: [{ BOOL: true }] } },
        }),
        'One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type',
      ));
    test('invalid starting key', () =>
      assertValidation(
        validateQuery({ ...base, ExclusiveStartKey: { a: {} } }),
        'The provided starting key is invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      ));
    test('number problems in the starting key are not prefixed', () =>
      assertValidation(
        validateQuery({ ...base, ExclusiveStartKey: { a: { N: 'x' } } }),
        'The parameter cannot be converted to a numeric value: x',
      ));
    test('Select COUNT with a projection', () =>
      assertValidation(
        validateQuery({ ...base, Select: 'COUNT', ProjectionExpression: 'b' }),
        'Cannot specify the ProjectionExpression when choosing to get only the Count',
      ));
    test('key condition rules', () =>
      assertValidation(
        validateQuery({ ...base, KeyConditionExpression: 'a = :a OR b = :a' }),
        'Invalid operator used in KeyConditionExpression: OR',
      ));
  });
  describe('functionality', () => {
    test('both forms produce key conditions', () => {
      const expression = assertValid(validateQuery({ ...base, FilterExpression: 'b > :a' }));
      assert.equal(expression.keyConditions?.get('a')?.operator, 'EQ');
      assert.ok(expression.filter);
      const legacy = assertValid(
        validateQuery({
          TableName: 'abc',
          KeyConditions: { a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } },
        }),
      );
      assert.equal(legacy.keyConditions?.get('a')?.operator, 'EQ');
    });
  });
});
