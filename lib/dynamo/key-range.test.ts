import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareScalars, type AttributeValue } from './attribute-value.js';
import type { KeyCondition, KeyOperator } from './expressions/key-condition.js';
import { evaluateCondition } from './expressions/evaluate.js';
import { encodeCompositeKey } from './key-encoding.js';
import { inKeyRange, prefixSuccessor, sortKeyRange } from './key-range.js';
import { randomKeyValue, SeededRandom } from './testing/random.js';

const seed = Number(process.env['DYNAMO_PROPERTY_SEED'] ?? 99);

function holds(condition: KeyCondition, value: AttributeValue): boolean {
  const [first, second] = condition.values as [AttributeValue, AttributeValue];
  const order = compareScalars(value, first) as number;
  switch (condition.operator) {
    case 'EQ':
      return order === 0;
    case 'LT':
      return order < 0;
    case 'LE':
      return order <= 0;
    case 'GT':
      return order > 0;
    case 'GE':
      return order >= 0;
    case 'BETWEEN':
      return order >= 0 && (compareScalars(value, second) as number) <= 0;
    default:
      return evaluateCondition(
        {
          kind: 'begins_with',
          subject: { kind: 'value', value },
          operand: { kind: 'value', value: first },
        },
        new Map(),
      );
  }
}

describe('key ranges', () => {
  for (const type of ['S', 'N', 'B'] as const) {
    test(`${type}: a key is in the range exactly when the condition holds (seed ${seed})`, () => {
      const random = new SeededRandom(seed);
      const operators: KeyOperator[] = [
        'EQ',
        'LT',
        'LE',
        'GT',
        'GE',
        'BETWEEN',
        ...(type === 'N' ? [] : ['BEGINS_WITH' as const]),
      ];
      const partitions = [randomKeyValue(random, 'S'), randomKeyValue(random, 'S')];
      const sortKeys = Array.from({ length: 150 }, () => randomKeyValue(random, type));
      for (let round = 0; round < 60; round++) {
        const operator = random.pick(operators);
        let values = [random.pick(sortKeys), random.pick(sortKeys)];
        if (
          operator === 'BETWEEN' &&
          (compareScalars(values[0] as AttributeValue, values[1] as AttributeValue) as number) > 0
        )
          values = values.reverse();
        if (operator === 'BEGINS_WITH' && random.int(0, 1) === 0) {
          // Shorten by whole characters (never split a surrogate pair) or by bytes.
          const source = values[0] as AttributeValue;
          const length = random.int(0, 2);
          if (source.type === 'S')
            values[0] = { type: 'S', value: Array.from(source.value).slice(0, length).join('') };
          if (source.type === 'B') values[0] = { type: 'B', value: source.value.slice(0, length) };
        }
        const condition: KeyCondition = {
          attributeName: 'sk',
          operator,
          values: operator === 'BETWEEN' ? values : [values[0] as AttributeValue],
        };
        const [partition, other] = partitions as [AttributeValue, AttributeValue];
        const range = sortKeyRange(partition, condition);
        for (const sortKey of sortKeys) {
          assert.equal(
            inKeyRange(encodeCompositeKey(partition, sortKey), range),
            holds(condition, sortKey),
            `${operator} ${JSON.stringify(condition.values)} vs ${JSON.stringify(sortKey)}`,
          );
          if (compareScalars(partition, other) !== 0)
            assert.equal(inKeyRange(encodeCompositeKey(other, sortKey), range), false);
        }
      }
    });
  }

  test('the whole partition when there is no sort key condition', () => {
    const partition: AttributeValue = { type: 'S', value: 'p' };
    const range = sortKeyRange(partition);
    assert.equal(
      inKeyRange(encodeCompositeKey(partition, { type: 'S', value: 'anything' }), range),
      true,
    );
    assert.equal(inKeyRange(encodeCompositeKey(partition), range), true);
    assert.equal(inKeyRange(encodeCompositeKey({ type: 'S', value: 'q' }), range), false);
  });

  test('prefix successor carries over 0xff', () => {
    assert.deepEqual(prefixSuccessor(Uint8Array.of(1, 0xff)), Uint8Array.of(2));
    assert.equal(prefixSuccessor(Uint8Array.of(0xff, 0xff)), undefined);
  });
});
