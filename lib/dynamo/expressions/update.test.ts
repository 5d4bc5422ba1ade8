import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemToWire } from '../attribute-value.js';
import { applyUpdate, checkUpdateKeys, updateMessages } from './apply-update.js';
import { parseUpdateExpression } from './parse.js';
import { messageOf, placeholders, wireItem } from './test-support.js';

const values = {
  ':s': { S: 'x' },
  ':n': { N: '1' },
  ':big': { N: '9.9999999999999999999999999999999999999E+125' },
  ':ss': { SS: ['b', 'c'] },
  ':ns': { NS: ['2', '3'] },
  ':l': { L: [{ S: 'z' }] },
  ':empty': { L: [] },
  ':bool': { BOOL: true },
  ':m': { M: {} },
};
const context = placeholders({ '#k': 'key', '#a': 'a' }, values);
const prefix = 'Invalid UpdateExpression: ';

function parseMessage(text: string): string | undefined {
  return messageOf(parseUpdateExpression(text, context));
}

function apply(text: string, item: Record<string, unknown>): unknown {
  const parsed = parseUpdateExpression(text, context);
  assert.ok(parsed.ok, messageOf(parsed));
  const result = applyUpdate(parsed.value.ast, wireItem(item));
  return result.ok ? itemToWire(result.value) : result.error.message;
}

describe('UpdateExpression', () => {
  describe('syntax', () => {
    const cases: [string, string][] = [
      ['', 'The expression can not be empty;'],
      ['a = :s', 'Syntax error; token: "a", near: "a ="'],
      ['SET', 'Syntax error; token: "<EOF>", near: "SET"'],
      ['SET a', 'Syntax error; token: "<EOF>", near: "a"'],
      ['SET a = b + c + d', 'Syntax error; token: "+", near: "c + d"'],
      ['SET a = :s,', 'Syntax error; token: "<EOF>", near: ","'],
      ['REMOVE a = :s', 'Syntax error; token: "=", near: "a = :s"'],
      ['ADD a b', 'Syntax error; token: "b", near: "a b"'],
      ['SET a = :s REMOVE', 'Syntax error; token: "<EOF>", near: "REMOVE"'],
    ];
    for (const [text, message] of cases) {
      test(JSON.stringify(text), () => assert.equal(parseMessage(text), prefix + message));
    }
  });

  describe('validation', () => {
    const cases: [string, string][] = [
      ['SET name = :s', 'Attribute name is a reserved keyword; reserved keyword: name'],
      ['SET a = foo(b)', 'Invalid function name; function: foo'],
      ['SET a = :s SET b = :s', 'The "SET" section can only be used once in an update expression;'],
      ['REMOVE a REMOVE b', 'The "REMOVE" section can only be used once in an update expression;'],
      [
        'SET #zz = :s',
        'An expression attribute name used in the document path is not defined; attribute name: #zz',
      ],
      [
        'SET a = :zz',
        'An expression attribute value used in expression is not defined; attribute value: :zz',
      ],
      [
        'SET a = :s REMOVE a',
        'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
      ],
      [
        'SET a.b = :s, a = :s',
        'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]',
      ],
      [
        'SET a[1] = :s, a.b = :s',
        'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]',
      ],
      [
        'REMOVE a, d.x SET d[0] = :s, d[1] = :s',
        'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [d, x], path two: [d, [1]]',
      ],
      [
        'SET d[1] = :s, d.x = :s ADD d.x :n',
        'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [d, x], path two: [d, x]',
      ],
      [
        'ADD a :s',
        'Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
      ],
      [
        'ADD a :l',
        'Incorrect operand type for operator or function; operator: ADD, operand type: LIST',
      ],
      [
        'DELETE a :n',
        'Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER',
      ],
      [
        'SET a = :s + :n',
        'Incorrect operand type for operator or function; operator or function: +, operand type: S',
      ],
      [
        'SET a = list_append(:s, b)',
        'Incorrect operand type for operator or function; operator or function: list_append, operand type: S',
      ],
      [
        'SET a = if_not_exists(:s, b)',
        'Operator or function requires a document path; operator or function: if_not_exists',
      ],
      [
        'SET a = list_append(b)',
        'Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1',
      ],
    ];
    for (const [text, message] of cases) {
      test(JSON.stringify(text), () => assert.equal(parseMessage(text), prefix + message));
    }
    test('at most 300 operators', () => {
      const actions = Array.from({ length: 301 }, (_, index) => `a${index}=:n+:n`).join(',');
      assert.equal(
        parseMessage(`SET ${actions}`),
        `${prefix}The expression contains too many operators; operator count: 301`,
      );
      const fine = Array.from({ length: 300 }, (_, index) => `a${index}=:n+:n`).join(',');
      assert.equal(parseMessage(`SET ${fine}`), undefined);
    });
    test('key attributes cannot be updated', () => {
      const parsed = parseUpdateExpression('SET #k = :s', context);
      assert.ok(parsed.ok);
      assert.equal(
        messageOf(checkUpdateKeys(parsed.value.ast, ['key'])),
        'One or more parameter values were invalid: Cannot update attribute key. This attribute is part of the key',
      );
      const nested = parseUpdateExpression('SET #k.x = :s', context);
      assert.ok(nested.ok);
      assert.equal(
        messageOf(checkUpdateKeys(nested.value.ast, ['key'])),
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: key",
      );
    });
  });

  describe('functionality', () => {
    const cases: [string, Record<string, unknown>, unknown][] = [
      ['SET a = :s', {}, { a: { S: 'x' } }],
      ['SET a = b + :n', { b: { N: '0.1' } }, { a: { N: '1.1' }, b: { N: '0.1' } }],
      ['SET a = a - :n', { a: { N: '-0.5' } }, { a: { N: '-1.5' } }],
      ['SET a = b', { b: { S: 'y' } }, { a: { S: 'y' }, b: { S: 'y' } }],
      ['SET a = b', {}, updateMessages.missingAttribute],
      ['SET a = b + :n', { b: { S: 'y' } }, updateMessages.wrongType],
      [
        'SET a = a + :big',
        { a: { N: '1E+125' } },
        'Number overflow. Attempting to store a number with magnitude larger than supported range',
      ],
      ['SET a = if_not_exists(a, :n)', {}, { a: { N: '1' } }],
      ['SET a = if_not_exists(a, :n)', { a: { S: 'kept' } }, { a: { S: 'kept' } }],
      [
        'SET a = list_append(a, :l)',
        { a: { L: [{ N: '1' }] } },
        { a: { L: [{ N: '1' }, { S: 'z' }] } },
      ],
      [
        'SET a = list_append(:l, a)',
        { a: { L: [{ N: '1' }] } },
        { a: { L: [{ S: 'z' }, { N: '1' }] } },
      ],
      ['SET a = list_append(if_not_exists(a, :empty), :l)', {}, { a: { L: [{ S: 'z' }] } }],
      ['SET a = list_append(a, :l)', { a: { S: 'no' } }, updateMessages.wrongType],
      [
        'SET a[0] = :s',
        { a: { L: [{ N: '1' }, { N: '2' }] } },
        { a: { L: [{ S: 'x' }, { N: '2' }] } },
      ],
      ['SET a[7] = :s', { a: { L: [{ N: '1' }] } }, { a: { L: [{ N: '1' }, { S: 'x' }] } }],
      [
        'SET a.b.c = :s',
        { a: { M: { b: { M: {} } } } },
        { a: { M: { b: { M: { c: { S: 'x' } } } } } },
      ],
      ['SET a.b.c = :s', { a: { M: {} } }, updateMessages.invalidPath],
      ['SET a[0] = :s', { a: { M: {} } }, updateMessages.invalidPath],
      ['SET a.b = :s', {}, updateMessages.invalidPath],
      ['REMOVE a, b', { a: { S: 'x' }, b: { S: 'y' }, c: { S: 'z' } }, { c: { S: 'z' } }],
      [
        'REMOVE a[0], a[2]',
        { a: { L: [{ N: '0' }, { N: '1' }, { N: '2' }, { N: '3' }] } },
        { a: { L: [{ N: '1' }, { N: '3' }] } },
      ],
      ['REMOVE a[9]', { a: { L: [{ N: '0' }] } }, { a: { L: [{ N: '0' }] } }],
      ['REMOVE absent', {}, {}],
      ['ADD a :n', {}, { a: { N: '1' } }],
      ['ADD a :n', { a: { N: '41' } }, { a: { N: '42' } }],
      ['ADD a :ss', { a: { SS: ['a', 'b'] } }, { a: { SS: ['a', 'b', 'c'] } }],
      ['ADD a :ns', {}, { a: { NS: ['2', '3'] } }],
      ['ADD a :n', { a: { S: 'x' } }, updateMessages.wrongType],
      ['ADD a :ss', { a: { NS: ['1'] } }, updateMessages.wrongType],
      ['DELETE a :ss', { a: { SS: ['a', 'b'] } }, { a: { SS: ['a'] } }],
      ['DELETE a :ss', { a: { SS: ['b', 'c'] } }, {}],
      ['DELETE a :ss', {}, {}],
      ['DELETE a :ns', { a: { SS: ['2'] } }, updateMessages.wrongType],
      [
        'SET a = :s REMOVE b ADD c :n DELETE d :ss',
        { b: { S: '1' }, d: { SS: ['b', 'q'] } },
        { a: { S: 'x' }, c: { N: '1' }, d: { SS: ['q'] } },
      ],
      ['SET a = b, b = a', { a: { S: '1' }, b: { S: '2' } }, { a: { S: '2' }, b: { S: '1' } }],
      ['SET #a = :m', {}, { a: { M: {} } }],
    ];
    for (const [text, item, expected] of cases) {
      test(`${text} on ${JSON.stringify(item)}`, () =>
        assert.deepEqual(apply(text, item), expected));
    }
    test('the original item is never modified', () => {
      const item = wireItem({ a: { L: [{ N: '1' }] }, m: { M: { x: { S: 'y' } } } });
      const parsed = parseUpdateExpression('SET a[0] = :s, m.x = :s', context);
      assert.ok(parsed.ok);
      assert.ok(applyUpdate(parsed.value.ast, item).ok);
      assert.deepEqual(itemToWire(item), { a: { L: [{ N: '1' }] }, m: { M: { x: { S: 'y' } } } });
    });
    test('updates that grow an item past 400 KB are refused', () => {
      const big = { S: 'x'.repeat(300 * 1024) };
      const parsed = parseUpdateExpression('SET b = a', context);
      assert.ok(parsed.ok);
      const result = applyUpdate(parsed.value.ast, wireItem({ a: big }));
      assert.equal(messageOf(result), 'Item size to update has exceeded the maximum allowed size');
    });
  });
});
