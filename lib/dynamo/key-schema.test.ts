import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemFromWire, itemToWire, type Item } from './attribute-value.js';
import type { Result } from './errors.js';
import type { KeySchema } from './expressions/key-condition.js';
import { extractKey, hasDuplicateKeys, validateItemKeys, validateKey } from './key-schema.js';

const schema: KeySchema = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'B' },
};
const invalidPrefix = 'One or more parameter values were invalid: ';

function item(wire: Record<string, unknown>): Item {
  const converted = itemFromWire(wire);
  assert.ok(converted.ok);
  return converted.value;
}

function message(result: Result<null>): string | undefined {
  return result.ok ? undefined : result.error.message;
}

describe('key schema', () => {
  describe('validation of Key parameters', () => {
    const cases: [Record<string, unknown>, string | undefined][] = [
      [{ pk: { S: 'a' }, sk: { B: 'AQ==' } }, undefined],
      [{ pk: { S: 'a' } }, 'The provided key element does not match the schema'],
      [
        { pk: { S: 'a' }, sk: { B: 'AQ==' }, x: { S: 'x' } },
        'The provided key element does not match the schema',
      ],
      [{ pk: { N: '1' }, sk: { B: 'AQ==' } }, 'The provided key element does not match the schema'],
      [
        { pk: { S: '' }, sk: { B: 'AQ==' } },
        `${invalidPrefix}The AttributeValue for a key attribute cannot contain an empty string value. Key: pk`,
      ],
      [
        { pk: { S: 'a' }, sk: { B: '' } },
        `${invalidPrefix}The AttributeValue for a key attribute cannot contain an empty binary value. Key: sk`,
      ],
      [
        { pk: { S: 'é'.repeat(1025) }, sk: { B: 'AQ==' } },
        `${invalidPrefix}Size of hashkey has exceeded the maximum size limit of2048 bytes`,
      ],
      [
        { pk: { S: 'a' }, sk: { B: Buffer.alloc(1025).toString('base64') } },
        `${invalidPrefix}Aggregated size of all range keys has exceeded the size limit of 1024 bytes`,
      ],
    ];
    for (const [wire, expected] of cases) {
      test(expected ?? 'valid key', () =>
        assert.equal(message(validateKey(item(wire), schema)), expected),
      );
    }
    test('keys of exactly the limits are accepted', () => {
      const key = item({
        pk: { S: 'x'.repeat(2048) },
        sk: { B: Buffer.alloc(1024).toString('base64') },
      });
      assert.equal(message(validateKey(key, schema)), undefined);
    });
  });

  describe('validation of items', () => {
    const cases: [Record<string, unknown>, string | undefined][] = [
      [{ pk: { S: 'a' }, sk: { B: 'AQ==' }, other: { N: '1' } }, undefined],
      [{ sk: { B: 'AQ==' } }, `${invalidPrefix}Missing the key pk in the item`],
      [
        { pk: { S: 'a' }, sk: { S: 'x' } },
        `${invalidPrefix}Type mismatch for key sk expected: B actual: S`,
      ],
      [
        { pk: { S: '' }, sk: { B: 'AQ==' } },
        'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
      ],
    ];
    for (const [wire, expected] of cases) {
      test(expected ?? 'valid item', () =>
        assert.equal(message(validateItemKeys(item(wire), schema)), expected),
      );
    }
  });

  describe('functionality', () => {
    test('extractKey keeps the key attributes', () => {
      const key = extractKey(
        item({ pk: { S: 'a' }, sk: { B: 'AQ==' }, other: { N: '1' } }),
        schema,
      );
      assert.deepEqual(itemToWire(key), { pk: { S: 'a' }, sk: { B: 'AQ==' } });
    });
  });
  test('duplicate keys are found by value, not by spelling', () => {
    const numeric: KeySchema = { partitionKey: { name: 'pk', type: 'N' } };
    assert.equal(
      hasDuplicateKeys(
        [item({ pk: { N: '1' } }), item({ pk: { N: '1.0' }, x: { S: 'y' } })],
        numeric,
      ),
      true,
    );
    assert.equal(
      hasDuplicateKeys([item({ pk: { N: '1' } }), item({ pk: { N: '2' } })], numeric),
      false,
    );
    assert.equal(
      hasDuplicateKeys(
        [item({ pk: { S: 'a' }, sk: { B: 'AQ==' } }), item({ pk: { S: 'a' }, sk: { B: 'Ag==' } })],
        schema,
      ),
      false,
    );
  });
});
