import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemFromWire, type Item } from './attribute-value.js';
import {
  pageReadCapacityUnits,
  readCapacityUnits,
  writeCapacityUnits,
  consumedCapacity,
} from './capacity.js';
import { itemSize } from './item-size.js';

function item(wire: unknown): Item {
  const result = itemFromWire(wire);
  assert.ok(result.ok);
  return result.value;
}

describe('item size', () => {
  const cases: [unknown, number][] = [
    [{ a: { S: 'abc' } }, 1 + 3],
    [{ a: { S: 'é' } }, 1 + 2],
    [{ ab: { B: 'AAEC' } }, 2 + 3],
    [{ a: { N: '0' } }, 1 + 1],
    [{ a: { N: '1' } }, 1 + 2],
    [{ a: { N: '12' } }, 1 + 2],
    [{ a: { N: '123' } }, 1 + 3],
    [{ a: { N: '-1' } }, 1 + 3],
    [{ a: { N: '1.2' } }, 1 + 3],
    [{ a: { BOOL: true } }, 2],
    [{ a: { NULL: true } }, 2],
    [{ a: { SS: ['ab', 'c'] } }, 1 + 3],
    [{ a: { L: [{ S: 'ab' }, { NULL: true }] } }, 1 + 3 + (1 + 2) + (1 + 1)],
    [{ a: { M: { bc: { S: 'd' } } } }, 1 + 3 + 1 + (2 + 1)],
    [{ a: { L: [] } }, 1 + 3],
  ];
  for (const [wire, expected] of cases) {
    test(`${JSON.stringify(wire)} is ${expected} bytes`, () => {
      assert.equal(itemSize(item(wire)), expected);
    });
  }
});

describe('capacity', () => {
  test('read units: 4 KB each, half when eventually consistent, double in transactions', () => {
    assert.equal(readCapacityUnits(0, 'consistent'), 1);
    assert.equal(readCapacityUnits(4096, 'consistent'), 1);
    assert.equal(readCapacityUnits(4097, 'consistent'), 2);
    assert.equal(readCapacityUnits(4097, 'eventual'), 1);
    assert.equal(readCapacityUnits(100, 'eventual'), 0.5);
    assert.equal(readCapacityUnits(5000, 'transactional'), 4);
  });
  test('write units: 1 KB each of the larger of old and new', () => {
    assert.equal(writeCapacityUnits(1024, 0), 1);
    assert.equal(writeCapacityUnits(1025, 0), 2);
    assert.equal(writeCapacityUnits(10, 3000), 3);
    assert.equal(writeCapacityUnits(10, 0, true), 2);
  });
  test('pages sum sizes before rounding', () => {
    assert.equal(pageReadCapacityUnits(3 * 1500, true), 2);
    assert.equal(pageReadCapacityUnits(3 * 1500, false), 1);
  });
  test('ConsumedCapacity follows ReturnConsumedCapacity', () => {
    assert.equal(consumedCapacity('t', 1, 'read', 'NONE'), undefined);
    assert.equal(consumedCapacity('t', 1, 'read', undefined), undefined);
    assert.deepEqual(consumedCapacity('t', 2, 'write', 'TOTAL'), {
      TableName: 't',
      CapacityUnits: 2,
      WriteCapacityUnits: 2,
    });
    assert.deepEqual(consumedCapacity('t', 1, 'read', 'INDEXES')?.Table, {
      CapacityUnits: 1,
      ReadCapacityUnits: 1,
    });
  });
});
