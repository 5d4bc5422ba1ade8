import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attributeValueFromWire,
  attributeValueToWire,
  attributeValuesEqual,
  compareStrings,
  itemFromWire,
  itemToWire,
} from './attribute-value.js';

function errorOf(wire: unknown): { name: string; message: string } | undefined {
  const result = attributeValueFromWire(wire);
  return result.ok ? undefined : { name: result.error.name, message: result.error.message };
}

const invalidPrefix = 'One or more parameter values were invalid: ';

describe('attribute values', () => {
  describe('serialization', () => {
    const cases: [unknown, string][] = [
      [{ S: 5 }, 'NUMBER_VALUE cannot be converted to String'],
      [{ S: 5.5 }, 'DECIMAL_VALUE cannot be converted to String'],
      [{ S: true }, 'TRUE_VALUE cannot be converted to String'],
      [{ S: [] }, 'Unrecognized collection type class java.lang.String'],
      [{ S: {} }, 'Start of structure or map found where not expected'],
      [{ N: false }, 'FALSE_VALUE cannot be converted to String'],
      [{ B: 5 }, 'only base-64-encoded strings are convertible to bytes'],
      [{ B: 'abc' }, 'Base64 encoded length is expected a multiple of 4 bytes but found: 3'],
      [{ B: 'ab==' }, 'Invalid last non-pad Base64 character dectected'],
      [{ BOOL: 'maybe' }, 'Unexpected token received from parser'],
      [{ BOOL: 1 }, 'NUMBER_VALUE cannot be converted to Boolean'],
      [{ SS: 'a' }, 'Unexpected field type'],
      [{ SS: {} }, 'Start of structure or map found where not expected'],
      [{ L: {} }, 'Start of structure or map found where not expected'],
      [
        { M: [] },
        'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>',
      ],
      [{ M: 'a' }, 'Unexpected field type'],
      [{ L: ['a'] }, 'Unexpected value type in payload'],
      [[], 'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue'],
    ];
    for (const [wire, message] of cases) {
      test(`${JSON.stringify(wire)} is a SerializationException`, () => {
        assert.deepEqual(errorOf(wire), { name: 'SerializationException', message });
      });
    }
    test('boolean strings convert as DynamoDB converts them', () => {
      const result = attributeValueFromWire({ BOOL: 'yes' });
      assert.ok(result.ok);
      assert.deepEqual(result.value, { type: 'BOOL', value: true });
    });
  });

  describe('validation', () => {
    const cases: [unknown, string][] = [
      [{}, 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'],
      [
        { X: 'a' },
        'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      ],
      [
        { S: 'a', N: '1' },
        'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
      ],
      [{ S: 'a', N: 'b' }, 'The parameter cannot be converted to a numeric value: b'],
      [{ NULL: false }, `${invalidPrefix}Null attribute value types must have the value of true`],
      [{ SS: [] }, `${invalidPrefix}An string set  may not be empty`],
      [{ NS: [] }, `${invalidPrefix}An number set  may not be empty`],
      [{ BS: [] }, `${invalidPrefix}Binary sets should not be empty`],
      [{ SS: ['a', 'a'] }, `${invalidPrefix}Input collection [a, a] contains duplicates.`],
      [{ NS: ['1', '1.0'] }, 'Input collection contains duplicates'],
      [{ NS: ['1', ''] }, 'The parameter cannot be converted to a numeric value'],
      [
        { BS: ['AQ==', 'AQ=='] },
        `${invalidPrefix}Input collection [AQ==, AQ==]of type BS contains duplicates.`,
      ],
      [
        { L: [{ NULL: false }] },
        `${invalidPrefix}Null attribute value types must have the value of true`,
      ],
      [
        { M: { a: {} } },
        'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      ],
    ];
    for (const [wire, message] of cases) {
      test(`${JSON.stringify(wire)} is refused`, () => {
        assert.deepEqual(errorOf(wire), { name: 'ValidationException', message });
      });
    }
    test('nesting is limited to 32 levels', () => {
      let value: unknown = { S: 'leaf' };
      for (let level = 0; level < 32; level++) value = { L: [value] };
      assert.equal(errorOf(value), undefined);
      assert.equal(
        errorOf({ M: { a: value } })?.message,
        'Nesting Levels have exceeded supported limits',
      );
    });
  });

  describe('functionality', () => {
    test('round-trips every type through the wire form', () => {
      const wire = {
        s: { S: 'héllo' },
        n: { N: '-12.50' },
        b: { B: 'AAEC/w==' },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '2.5'] },
        bs: { BS: ['AQ==', 'Ag=='] },
        m: { M: { inner: { NULL: true }, __proto__: { BOOL: false } } },
        l: { L: [{ S: '' }, { N: '0' }] },
        nul: { NULL: true },
        bool: { BOOL: true },
      };
      const item = itemFromWire(wire);
      assert.ok(item.ok);
      const back = itemToWire(item.value);
      assert.deepEqual(back['n'], { N: '-12.5' });
      assert.deepEqual(back['b'], { B: 'AAEC/w==' });
      const again = itemFromWire(back);
      assert.ok(again.ok);
      assert.equal(
        attributeValuesEqual({ type: 'M', value: item.value }, { type: 'M', value: again.value }),
        true,
      );
    });
    test('sets compare unordered, lists ordered', () => {
      const a = attributeValueFromWire({ SS: ['a', 'b'] });
      const b = attributeValueFromWire({ SS: ['b', 'a'] });
      assert.ok(a.ok && b.ok);
      assert.equal(attributeValuesEqual(a.value, b.value), true);
      const c = attributeValueFromWire({ L: [{ S: 'a' }, { S: 'b' }] });
      const d = attributeValueFromWire({ L: [{ S: 'b' }, { S: 'a' }] });
      assert.ok(c.ok && d.ok);
      assert.equal(attributeValuesEqual(c.value, d.value), false);
    });
    test('strings order by UTF-8 bytes, not UTF-16 units', () => {
      assert.ok(compareStrings('\uffff', '\ud83d\ude00') < 0);
      assert.ok(compareStrings('a', 'ab') < 0);
      assert.equal(compareStrings('x', 'x'), 0);
    });
    test('numbers come back canonical', () => {
      const value = attributeValueFromWire({ N: '1.0E2' });
      assert.ok(value.ok);
      assert.deepEqual(attributeValueToWire(value.value), { N: '100' });
    });
  });
});
