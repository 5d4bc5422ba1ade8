import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ok } from '../errors.js';
import { parseConditionExpression } from './parse.js';
import { ParseCache, parseCacheKey } from './parse-cache.js';

describe('ParseCache', () => {
  test('parses once per key and evicts the least recently used', () => {
    const cache = new ParseCache<number>(2);
    let parses = 0;
    const parse = (value: number) => () => {
      parses++;
      return ok(value);
    };
    assert.deepEqual(cache.get('a', parse(1)), ok(1));
    assert.deepEqual(cache.get('a', parse(99)), ok(1));
    cache.get('b', parse(2));
    cache.get('a', parse(99)); // a is now the most recent
    cache.get('c', parse(3)); // evicts b
    assert.equal(cache.size, 2);
    assert.deepEqual(cache.get('b', parse(4)), ok(4));
    assert.equal(parses, 4);
  });
  test('caches parse failures and real ASTs by text and placeholders', () => {
    const cache = new ParseCache<unknown>(10);
    const key = parseCacheKey('ConditionExpression', 'a = :v', undefined, { ':v': { S: 'x' } });
    const first = cache.get(key, () =>
      parseConditionExpression('a = :v', { values: { ':v': { type: 'S', value: 'x' } } }),
    );
    const second = cache.get(key, () => assert.fail('must not parse again'));
    assert.equal(first, second);
    assert.notEqual(
      key,
      parseCacheKey('ConditionExpression', 'a = :v', undefined, { ':v': { S: 'y' } }),
    );
  });
  test('capacity must be positive', () => assert.throws(() => new ParseCache(0), RangeError));
});
