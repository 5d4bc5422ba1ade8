import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkKeyConditionsAgainstSchema, type KeySchema } from './key-condition.js';
import { parseKeyConditionExpression } from './parse.js';
import { messageOf, placeholders } from './test-support.js';

const context = placeholders(
  { '#p': 'pk' },
  { ':s': { S: 'a' }, ':t': { S: 'b' }, ':n': { N: '1' } },
);
const schema: KeySchema = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'N' },
};
const prefix = 'Invalid KeyConditionExpression: ';

function outcome(text: string): string {
  const parsed = parseKeyConditionExpression(text, context);
  if (!parsed.ok) return parsed.error.message;
  const checked = checkKeyConditionsAgainstSchema(parsed.value.ast, schema);
  if (!checked.ok) return checked.error.message;
  return [...checked.value.values()]
    .map((c) => `${c.attributeName} ${c.operator} ${c.values.length}`)
    .join('; ');
}

describe('KeyConditionExpression', () => {
  describe('syntax', () => {
    test('empty', () => assert.equal(outcome(''), `${prefix}The expression can not be empty;`));
    test('dangling AND', () =>
      assert.equal(outcome('pk = :s AND'), `${prefix}Syntax error; token: "<EOF>", near: "AND"`));
  });

  describe('validation', () => {
    const cases: [string, string][] = [
      ['pk = :s OR sk = :n', 'Invalid operator used in KeyConditionExpression: OR'],
      ['NOT pk = :s', 'Invalid operator used in KeyConditionExpression: NOT'],
      ['pk IN (:s)', 'Invalid operator used in KeyConditionExpression: IN'],
      ['pk <> :s', 'Invalid operator used in KeyConditionExpression: <>'],
      ['attribute_exists(pk)', 'Invalid operator used in KeyConditionExpression: attribute_exists'],
      ['contains(pk, :s)', 'Invalid operator used in KeyConditionExpression: contains'],
      ['size(pk) = :n', 'KeyConditionExpressions cannot contain nested operations'],
      ['pk.x = :s', 'KeyConditionExpressions cannot have conditions on nested attributes'],
      [
        'pk = sk',
        'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition',
      ],
      [':s = :s', 'Invalid condition in KeyConditionExpression: No key attribute specified'],
      ['pk = :s AND pk = :t', 'KeyConditionExpressions must only contain one condition per key'],
      ['pk = :s AND sk = :n AND x = :n', 'Conditions can be of length 1 or 2 only'],
      ['sk = :n', 'Query condition missed key schema element: pk'],
      ['pk = :s AND x = :n', 'Query condition missed key schema element: sk'],
      ['pk < :s', 'Query key condition not supported'],
      [
        'pk = :n',
        'One or more parameter values were invalid: Condition parameter type does not match schema type',
      ],
      [
        'pk = :s AND sk = :s',
        'One or more parameter values were invalid: Condition parameter type does not match schema type',
      ],
    ];
    for (const [text, message] of cases) {
      test(text, () => {
        const expected =
          message.startsWith('Query') ||
          message.startsWith('One or more') ||
          message.startsWith('Conditions') ||
          message.startsWith('KeyCondition') ||
          message.startsWith('Invalid')
            ? message
            : prefix + message;
        assert.equal(outcome(text), expected);
      });
    }
  });

  describe('functionality', () => {
    const cases: [string, string][] = [
      ['pk = :s', 'pk EQ 1'],
      ['#p = :s AND sk > :n', 'pk EQ 1; sk GT 1'],
      [':n < sk AND pk = :s', 'sk GT 1; pk EQ 1'],
      ['pk = :s AND sk BETWEEN :n AND :n', 'pk EQ 1; sk BETWEEN 2'],
      ['(pk = :s) AND (sk <= :n)', 'pk EQ 1; sk LE 1'],
    ];
    for (const [text, expected] of cases) {
      test(text, () => assert.equal(outcome(text), expected));
    }
    test('begins_with on a string sort key', () => {
      const parsed = parseKeyConditionExpression('pk = :s AND begins_with(sk, :t)', context);
      assert.ok(parsed.ok, messageOf(parsed));
      assert.equal(parsed.value.ast.get('sk')?.operator, 'BEGINS_WITH');
    });
  });
});
