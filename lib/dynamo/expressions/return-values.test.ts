import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemToWire } from '../attribute-value.js';
import { applyUpdate } from './apply-update.js';
import { parseUpdateExpression } from './parse.js';
import { returnedAttributes, type ReturnValues } from './return-values.js';
import { placeholders, wireItem } from './test-support.js';

describe('ReturnValues', () => {
  const oldItem = wireItem({
    k: { S: 'key' },
    a: { N: '1' },
    m: { M: { x: { S: 'old' }, y: { S: 'kept' } } },
    gone: { S: 'g' },
  });
  const parsed = parseUpdateExpression(
    'SET a = a + :one, m.x = :new REMOVE gone',
    placeholders({}, { ':one': { N: '1' }, ':new': { S: 'new' } }),
  );
  assert.ok(parsed.ok);
  const applied = applyUpdate(parsed.value.ast, oldItem);
  assert.ok(applied.ok);
  const newItem = applied.value;
  const cases: [ReturnValues, unknown][] = [
    ['NONE', undefined],
    ['ALL_OLD', itemToWire(oldItem)],
    ['ALL_NEW', itemToWire(newItem)],
    ['UPDATED_OLD', { a: { N: '1' }, m: { M: { x: { S: 'old' } } }, gone: { S: 'g' } }],
    ['UPDATED_NEW', { a: { N: '2' }, m: { M: { x: { S: 'new' } } } }],
  ];
  for (const [choice, expected] of cases) {
    test(choice, () => {
      const returned = returnedAttributes(choice, oldItem, newItem, parsed.value.ast);
      assert.deepEqual(returned === undefined ? undefined : itemToWire(returned), expected);
    });
  }
  test('nothing to return is an omitted field', () => {
    assert.equal(returnedAttributes('ALL_OLD', undefined, newItem), undefined);
    assert.equal(
      returnedAttributes('UPDATED_NEW', oldItem, new Map(), parsed.value.ast),
      undefined,
    );
  });
});
