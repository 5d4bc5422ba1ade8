import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateCondition } from '../expressions/evaluate.js';
import { validateScan } from './scan.js';
import { assertSerialization, assertValid, assertValidation } from './test-support.js';

describe('Scan', () => {
  describe('serializations', () => {
    test('Segment must be a number', () =>
      assertSerialization(
        validateScan({ TableName: 'abc', Segment: true }),
        'TRUE_VALUE cannot be converted to Integer',
      ));
  });
  describe('validations', () => {
    test('TotalSegments range', () =>
      assertValidation(
        validateScan({ TableName: 'abc', TotalSegments: 1000001, Segment: 0 }),
        "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000",
      ));
    test('Segment needs TotalSegments', () =>
      assertValidation(
        validateScan({ TableName: 'abc', Segment: 1 }),
        'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
      ));
    test('TotalSegments needs Segment', () =>
      assertValidation(
        validateScan({ TableName: 'abc', TotalSegments: 2 }),
        'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
      ));
    test('Segment below TotalSegments', () =>
      assertValidation(
        validateScan({ TableName: 'abc', TotalSegments: 2, Segment: 2 }),
        'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2',
      ));
    test('ExpressionAttributeValues without a filter', () =>
      assertValidation(
        validateScan({ TableName: 'abc', ExpressionAttributeValues: { ':a': { S: 'a' } } }),
        'ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null',
      ));
  });
  describe('functionality', () => {
    test('ScanFilter with OR converts to one condition', () => {
      const validated = assertValid(
        validateScan({
          TableName: 'abc',
          ScanFilter: {
            a: { ComparisonOperator: 'NOT_NULL' },
            b: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'x' }] },
          },
          ConditionalOperator: 'OR',
        }),
      );
      assert.ok(validated.filter);
      assert.equal(
        evaluateCondition(validated.filter, new Map([['b', { type: 'S', value: 'xy' }]])),
        true,
      );
      assert.equal(evaluateCondition(validated.filter, new Map()), false);
    });
  });
});
