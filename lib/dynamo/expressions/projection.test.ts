import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemToWire } from '../attribute-value.js';
import { parseProjectionExpression } from './parse.js';
import { projectAttributes, projectItem } from './projection.js';
import { messageOf, placeholders, wireItem } from './test-support.js';

const context = placeholders({ '#n': 'name', '#u': 'unused' });
const prefix = 'Invalid ProjectionExpression: ';

describe('ProjectionExpression', () => {
  describe('syntax', () => {
    const cases: [string, string][] = [
      ['', 'The expression can not be empty;'],
      ['a,', 'Syntax error; token: "<EOF>", near: ","'],
      [':v', 'Syntax error; token: ":v", near: ":v"'],
      ['a b', 'Syntax error; token: "b", near: "a b"'],
      ['a[]', 'Syntax error; token: "]", near: "[]"'],
      ['a.', 'Syntax error; token: "<EOF>", near: "."'],
    ];
    for (const [text, message] of cases) {
      test(JSON.stringify(text), () =>
        assert.equal(messageOf(parseProjectionExpression(text, context)), prefix + message),
      );
    }
  });

  describe('validation', () => {
    const cases: [string, string][] = [
      ['name', 'Attribute name is a reserved keyword; reserved keyword: name'],
      [
        '#zz',
        'An expression attribute name used in the document path is not defined; attribute name: #zz',
      ],
      [
        'a, a',
        'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
      ],
      [
        'a.b, a',
        'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]',
      ],
      [
        'a[0], a.b',
        'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]',
      ],
    ];
    for (const [text, message] of cases) {
      test(JSON.stringify(text), () =>
        assert.equal(messageOf(parseProjectionExpression(text, context)), prefix + message),
      );
    }
  });

  describe('functionality', () => {
    const item = wireItem({
      a: { S: 'x' },
      name: { N: '1' },
      l: { L: [{ S: 'l0' }, { M: { p: { S: 'q' }, r: { S: 's' } } }, { S: 'l2' }, { S: 'l3' }] },
      m: { M: { b: { M: { c: { S: 'deep' }, d: { S: 'other' } } } } },
    });
    const cases: [string, unknown][] = [
      ['a', { a: { S: 'x' } }],
      ['#n, absent', { name: { N: '1' } }],
      ['l[3], l[0]', { l: { L: [{ S: 'l0' }, { S: 'l3' }] } }],
      ['l[1].p', { l: { L: [{ M: { p: { S: 'q' } } }] } }],
      ['m.b.c', { m: { M: { b: { M: { c: { S: 'deep' } } } } } }],
      ['m.b.zz, l[9]', {}],
    ];
    for (const [text, expected] of cases) {
      test(text, () => {
        const parsed = parseProjectionExpression(text, context);
        assert.ok(parsed.ok, messageOf(parsed));
        assert.deepEqual(itemToWire(projectItem(item, parsed.value.ast.paths)), expected);
      });
    }
    test('AttributesToGet keeps top-level attributes', () => {
      assert.deepEqual(itemToWire(projectAttributes(item, ['a', 'zz'])), { a: { S: 'x' } });
    });
  });
});
