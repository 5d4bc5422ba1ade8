import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateCondition } from './evaluate.js';
import { parseConditionExpression, parseFilterExpression } from './parse.js';
import { messageOf, placeholders, wireItem } from './test-support.js';

const values = {
  ':s': { S: 'abc' },
  ':t': { S: 'b' },
  ':n': { N: '5' },
  ':m': { N: '10' },
  ':b': { B: 'AQI=' },
  ':ty': { S: 'N' },
  ':bad': { S: 'X' },
  ':l': { L: [{ S: 'x' }] },
  ':bool': { BOOL: true },
};
const context = placeholders({ '#n': 'name', '#a': 'a' }, values);
const prefix = 'Invalid ConditionExpression: ';

function parseMessage(text: string): string | undefined {
  return messageOf(parseConditionExpression(text, context));
}

describe('ConditionExpression', () => {
  describe('syntax', () => {
    const cases: [string, string][] = [
      ['', 'The expression can not be empty;'],
      ['foo', 'Syntax error; token: "<EOF>", near: "foo"'],
      ['a =', 'Syntax error; token: "<EOF>", near: "="'],
      ['a = :s AND', 'Syntax error; token: "<EOF>", near: "AND"'],
      ['_a = :s', 'Syntax error; token: "_", near: "_a"'],
      ['a == :s', 'Syntax error; token: "=", near: "== :s"'],
      ['a = :s)', 'Syntax error; token: ")", near: ":s)"'],
      ['a BETWEEN :n', 'Syntax error; token: "<EOF>", near: ":n"'],
      ['a IN ()', 'Syntax error; token: ")", near: "()"'],
      ['a[x] = :s', 'Syntax error; token: "x", near: "[x]"'],
      ['NOT NOT a = :s', 'Syntax error; token: "NOT", near: "NOT NOT a"'],
      ['a = :s AND and = :s', 'Syntax error; token: "and", near: "AND and ="'],
      ['a = :s ORR b = :s', 'Syntax error; token: "ORR", near: ":s ORR b"'],
    ];
    for (const [text, message] of cases) {
      test(JSON.stringify(text), () => assert.equal(parseMessage(text), prefix + message));
    }
    test('expressions over 4 KB are refused', () => {
      const text = `a = :s${' '.repeat(4096)}`;
      assert.equal(
        parseMessage(text),
        `${prefix}Expression size has exceeded the maximum allowed size; expression size: ${text.length}`,
      );
    });
    test('FilterExpression messages carry their own prefix', () => {
      assert.equal(
        messageOf(parseFilterExpression('', context)),
        'Invalid FilterExpression: The expression can not be empty;',
      );
    });
  });

  describe('validation', () => {
    const cases: [string, string][] = [
      ['name = :s', 'Attribute name is a reserved keyword; reserved keyword: name'],
      ['a.Size = :s', 'Attribute name is a reserved keyword; reserved keyword: Size'],
      [
        '#zz = :s',
        'An expression attribute name used in the document path is not defined; attribute name: #zz',
      ],
      [
        'a = :zz',
        'An expression attribute value used in expression is not defined; attribute value: :zz',
      ],
      ['((a = :s))', 'The expression has redundant parentheses;'],
      ['((a)) = :s', 'The expression has redundant parentheses;'],
      ['foo(a)', 'Invalid function name; function: foo'],
      [
        'size(a)',
        'The function is not allowed to be used this way in an expression; function: size',
      ],
      [
        'attribute_exists(a) = :s',
        'The function is not allowed to be used this way in an expression; function: attribute_exists',
      ],
      [
        'attribute_exists(a, b)',
        'Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2',
      ],
      [
        'attribute_exists(:s)',
        'Operator or function requires a document path; operator or function: attribute_exists',
      ],
      [
        'begins_with(a, :n)',
        'Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
      ],
      [
        'attribute_type(a, :n)',
        'Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N',
      ],
      [
        'attribute_type(a, :bad)',
        'Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}',
      ],
      [
        'size(:n) > :n',
        'Incorrect operand type for operator or function; operator or function: size, operand type: N',
      ],
      [
        'a = a',
        'The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]',
      ],
      [
        'begins_with(a.b[1], a.b[1])',
        'The first operand must be distinct from the remaining operands for this operator or function; operator: begins_with, first operand: [a, b, [1]]',
      ],
      [
        'a BETWEEN :n AND :s',
        'The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {S:abc}',
      ],
      [
        'a BETWEEN :m AND :n',
        'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:5}',
      ],
      ['a = :s AND name = :zz', 'Attribute name is a reserved keyword; reserved keyword: name'],
    ];
    for (const [text, message] of cases) {
      test(JSON.stringify(text), () => assert.equal(parseMessage(text), prefix + message));
    }
    test('IN takes at most 100 operands', () => {
      const many = Array.from({ length: 101 }, () => ':s').join(', ');
      assert.equal(
        parseMessage(`a IN (${many})`),
        `${prefix}The IN operator is provided with too many operands; number of operands: 101`,
      );
      assert.equal(
        parseMessage(`a IN (${Array.from({ length: 100 }, () => ':s').join(', ')})`),
        undefined,
      );
    });
    test('keywords are case-insensitive and names are case-sensitive', () => {
      assert.equal(parseMessage('a = :s and not b = :s or c = :s'), undefined);
    });
  });

  describe('functionality', () => {
    const item = wireItem({
      a: { S: 'abc' },
      n: { N: '7' },
      bin: { B: 'AQID' },
      ss: { SS: ['x', 'y'] },
      ns: { NS: ['5', '6'] },
      lst: { L: [{ S: 'x' }, { M: { deep: { N: '10' } } }] },
      mp: { M: { inr: { S: 'b' } } },
      name: { S: 'reserved' },
      flag: { BOOL: true },
    });
    const cases: [string, boolean][] = [
      ['a = :s', true],
      ['a <> :s', false],
      ['absent <> :s', true],
      ['absent = :s', false],
      ['n > :n', true],
      ['n >= :m', false],
      ['n < :m AND n > :n', true],
      ['n BETWEEN :n AND :m', true],
      ['a BETWEEN :n AND :m', false],
      ['a IN (:t, :s)', true],
      ['n IN (:n, :m)', false],
      ['attribute_exists(a) AND attribute_not_exists(zz)', true],
      ['attribute_exists(lst[1].deep)', true],
      ['attribute_exists(lst[2])', false],
      ['lst[1].deep = :m', true],
      ['mp.inr = :t', true],
      ['#n = :s OR #a = :s', true],
      ['attribute_type(n, :ty)', true],
      ['attribute_type(a, :ty)', false],
      ['begins_with(a, :t)', false],
      ['begins_with(a, :s)', true],
      ['begins_with(bin, :b)', true],
      ['contains(a, :t)', true],
      ['contains(ss, :t)', false],
      ['contains(ns, :n)', true],
      ['contains(lst, :l)', false],
      ['size(a) = :n', false],
      ['size(ss) < :n', true],
      ['size(lst) <> :n', true],
      ['NOT a = :s', false],
      ['NOT a = :s OR n = :n', false],
      ['a = :s OR n = :n AND n = :m', true],
      ['(a = :s OR n = :n) AND n = :m', false],
      ['(a) = :s AND (size(a)) > :n', false],
      ['(a) = :s AND (size(a)) < :n', true],
      ['NOT (a = :t) AND flag = :bool', true],
    ];
    for (const [text, expected] of cases) {
      test(`${text} is ${expected}`, () => {
        const parsed = parseConditionExpression(text, context);
        assert.ok(parsed.ok, messageOf(parsed));
        assert.equal(evaluateCondition(parsed.value.ast, item), expected);
      });
    }
    test('an absent item satisfies only negative conditions', () => {
      const parsed = parseConditionExpression('attribute_not_exists(a) AND NOT a = :s', context);
      assert.ok(parsed.ok);
      assert.equal(evaluateCondition(parsed.value.ast, new Map()), true);
    });
    test('used placeholders are reported for the unused checks', () => {
      const parsed = parseConditionExpression('#n = :s', context);
      assert.ok(parsed.ok);
      assert.deepEqual([...parsed.value.usedNames], ['#n']);
      assert.deepEqual([...parsed.value.usedValues], [':s']);
    });
  });
});
