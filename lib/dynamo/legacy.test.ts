import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemFromWire, itemToWire, type Item } from './attribute-value.js';
import { applyUpdate } from './expressions/apply-update.js';
import { evaluateCondition } from './expressions/evaluate.js';
import {
  convertAttributeUpdates,
  convertConditionMap,
  convertExpected,
  legacyConditionToAst,
  legacyKeyConditions,
} from './legacy.js';

function item(wire: Record<string, unknown>): Item {
  const converted = itemFromWire(wire);
  assert.ok(converted.ok);
  return converted.value;
}

const stored = item({
  s: { S: 'abc' },
  n: { N: '5' },
  ss: { SS: ['x', 'y'] },
  l: { L: [{ S: 'x' }] },
});

function filterMatches(filter: Record<string, unknown>, operator?: string): boolean {
  const converted = convertConditionMap(filter);
  assert.ok(converted.ok, converted.ok ? '' : converted.error.message);
  const condition = legacyConditionToAst(converted.value, operator);
  assert.ok(condition);
  return evaluateCondition(condition, stored);
}

describe('legacy parameters', () => {
  describe('validation', () => {
    test('IN needs at least one value', () => {
      const result = convertConditionMap({
        a: { ComparisonOperator: 'IN', AttributeValueList: [] },
      });
      assert.equal(
        result.ok ? '' : result.error.message,
        'One or more parameter values were invalid: Invalid number of argument(s) for the IN ComparisonOperator',
      );
    });
    test('BEGINS_WITH is only for S and B', () => {
      const result = convertConditionMap({
        a: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ N: '1' }] },
      });
      assert.equal(
        result.ok ? '' : result.error.message,
        'One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type',
      );
    });
    test('KeyConditions hold one or two conditions', () => {
      const three = convertConditionMap({
        a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] },
        b: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] },
        c: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] },
      });
      assert.ok(three.ok);
      const keys = legacyKeyConditions(three.value);
      assert.equal(keys.ok ? '' : keys.error.message, 'Conditions can be of length 1 or 2 only');
    });
    test('an AttributeValueList member is validated', () => {
      const result = convertExpected({
        a: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: 'x' }] },
      });
      assert.equal(
        result.ok ? '' : result.error.message,
        'The parameter cannot be converted to a numeric value: x',
      );
    });
  });

  describe('functionality', () => {
    const cases: [Record<string, unknown>, string | undefined, boolean][] = [
      [{ s: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'abc' }] } }, undefined, true],
      [{ s: { ComparisonOperator: 'NE', AttributeValueList: [{ S: 'abc' }] } }, undefined, false],
      [{ zz: { ComparisonOperator: 'NE', AttributeValueList: [{ S: 'abc' }] } }, undefined, true],
      [
        { n: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '1' }, { N: '5' }] } },
        undefined,
        true,
      ],
      [
        { n: { ComparisonOperator: 'IN', AttributeValueList: [{ N: '4' }, { N: '5' }] } },
        undefined,
        true,
      ],
      [
        { ss: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ S: 'x' }] } },
        undefined,
        true,
      ],
      [
        { ss: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ S: 'x' }] } },
        undefined,
        false,
      ],
      [{ zz: { ComparisonOperator: 'NULL' } }, undefined, true],
      [
        { s: { ComparisonOperator: 'NOT_NULL' }, zz: { ComparisonOperator: 'NOT_NULL' } },
        'AND',
        false,
      ],
      [
        { s: { ComparisonOperator: 'NOT_NULL' }, zz: { ComparisonOperator: 'NOT_NULL' } },
        'OR',
        true,
      ],
      [
        { s: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'ab' }] } },
        undefined,
        true,
      ],
      [{ n: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '4.99' }] } }, undefined, true],
    ];
    for (const [filter, operator, expected] of cases) {
      test(`${JSON.stringify(filter)} ${operator ?? ''} is ${expected}`, () =>
        assert.equal(filterMatches(filter, operator), expected));
    }
    test('Expected Exists/Value forms', () => {
      const expected = convertExpected({ s: { Value: { S: 'abc' } }, zz: { Exists: false } });
      assert.ok(expected.ok);
      const condition = legacyConditionToAst(expected.value, undefined);
      assert.ok(condition);
      assert.equal(evaluateCondition(condition, stored), true);
    });
    test('AttributeUpdates apply like the equivalent UpdateExpression', () => {
      const update = convertAttributeUpdates({
        s: { Value: { S: 'new' } },
        n: { Action: 'ADD', Value: { N: '-5' } },
        ss: { Action: 'DELETE', Value: { SS: ['x'] } },
        l: { Action: 'ADD', Value: { L: [{ N: '1' }] } },
        fresh: { Action: 'ADD', Value: { SS: ['q'] } },
      });
      assert.ok(update.ok);
      const applied = applyUpdate(update.value, stored);
      assert.ok(applied.ok);
      assert.deepEqual(itemToWire(applied.value), {
        s: { S: 'new' },
        n: { N: '0' },
        ss: { SS: ['y'] },
        l: { L: [{ S: 'x' }, { N: '1' }] },
        fresh: { SS: ['q'] },
      });
    });
  });
});
