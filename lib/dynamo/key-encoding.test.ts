import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attributeValuesEqual,
  compareScalars,
  itemsEqual,
  type AttributeValue,
} from './attribute-value.js';
import { decodeItem, encodeItem } from './item-codec.js';
import { compareBytes } from './attribute-value.js';
import {
  ByteWriter,
  decodeCompositeKey,
  decodeKeyValue,
  encodeCompositeKey,
  encodeKeyValue,
} from './key-encoding.js';
import { parseNumber } from './number.js';
import { randomAttributeValue, randomKeyValue, SeededRandom } from './testing/random.js';

const seed = Number(process.env['DYNAMO_PROPERTY_SEED'] ?? 20261127);
const samples = 2000;

function number(text: string): AttributeValue {
  const parsed = parseNumber(text);
  assert.ok(parsed.ok);
  return { type: 'N', value: parsed.value };
}

describe('key encoding', () => {
  for (const type of ['S', 'N', 'B'] as const) {
    test(`${type}: byte order equals DynamoDB order and decode(encode(x)) = x (seed ${seed})`, () => {
      const random = new SeededRandom(seed);
      const values = Array.from({ length: samples }, () => randomKeyValue(random, type));
      const encoded = values.map(encodeKeyValue);
      for (let index = 1; index < values.length; index++) {
        const a = values[index - 1] as AttributeValue;
        const b = values[index] as AttributeValue;
        const expected = Math.sign(compareScalars(a, b) ?? NaN);
        const actual = Math.sign(
          compareBytes(encoded[index - 1] as Uint8Array, encoded[index] as Uint8Array),
        );
        assert.equal(actual, expected, `order of ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
      }
      for (const [index, bytes] of encoded.entries()) {
        const decoded = decodeKeyValue(bytes, type);
        assert.ok(decoded.ok);
        assert.ok(attributeValuesEqual(decoded.value, values[index] as AttributeValue));
      }
    });
  }

  test('numbers sort numerically across signs, fractions and exponents', () => {
    const ordered = [
      '-1e125',
      '-12',
      '-1.5',
      '-1.05',
      '-1',
      '-1e-130',
      '0',
      '1e-130',
      '0.1',
      '1',
      '1.05',
      '1.5',
      '10',
      '105',
      '1e125',
    ];
    const encoded = ordered.map((text) => encodeKeyValue(number(text)));
    for (let index = 1; index < encoded.length; index++) {
      assert.ok(
        compareBytes(encoded[index - 1] as Uint8Array, encoded[index] as Uint8Array) < 0,
        `${ordered[index - 1]} < ${ordered[index]}`,
      );
    }
    assert.deepEqual(encodeKeyValue(number('1.0')), encodeKeyValue(number('1E0')));
  });

  test('composite keys sort by partition key, then sort key (seed-driven)', () => {
    const random = new SeededRandom(seed + 1);
    const pairs = Array.from(
      { length: samples },
      () => [randomKeyValue(random, 'S'), randomKeyValue(random, 'N')] as const,
    );
    for (let index = 1; index < pairs.length; index++) {
      const [p1, s1] = pairs[index - 1] as readonly [AttributeValue, AttributeValue];
      const [p2, s2] = pairs[index] as readonly [AttributeValue, AttributeValue];
      const expected = Math.sign((compareScalars(p1, p2) ?? 0) || (compareScalars(s1, s2) ?? 0));
      const actual = Math.sign(
        compareBytes(encodeCompositeKey(p1, s1), encodeCompositeKey(p2, s2)),
      );
      assert.equal(actual, expected);
      const decoded = decodeCompositeKey(encodeCompositeKey(p2, s2), 'S', 'N');
      assert.ok(decoded.ok);
      assert.ok(attributeValuesEqual(decoded.value.partition, p2));
      assert.ok(decoded.value.sort !== undefined && attributeValuesEqual(decoded.value.sort, s2));
    }
  });

  test('corrupt key bytes are a typed error, not an exception', () => {
    for (const bytes of [
      Uint8Array.of(),
      Uint8Array.of(0x03),
      Uint8Array.of(0x61, 0x00),
      Uint8Array.of(0x03, 0x80, 0xff, 0x00),
      Uint8Array.of(0x02, 0x02),
    ]) {
      const decoded = decodeKeyValue(bytes, bytes[0] === 0x61 ? 'S' : 'N');
      assert.equal(decoded.ok, false);
    }
  });
});

describe('item codec', () => {
  test(`decodeItem(encodeItem(x)) = x for random items (seed ${seed})`, () => {
    const random = new SeededRandom(seed + 2);
    for (let index = 0; index < 500; index++) {
      const item = new Map<string, AttributeValue>();
      const count = random.int(0, 6);
      for (let attribute = 0; attribute < count; attribute++)
        item.set(`a${attribute}`, randomAttributeValue(random));
      const decoded = decodeItem(encodeItem(item));
      assert.ok(decoded.ok);
      assert.ok(itemsEqual(decoded.value, item));
    }
  });
  test('truncated or garbage bytes are a typed error', () => {
    const random = new SeededRandom(seed + 3);
    const item = new Map([['a', randomAttributeValue(random)]]);
    const bytes = encodeItem(item);
    for (let length = 0; length < bytes.length; length++) {
      const decoded = decodeItem(bytes.subarray(0, length));
      assert.equal(decoded.ok, false);
    }
    for (let round = 0; round < 300; round++) {
      const garbage = Uint8Array.from({ length: random.int(0, 40) }, () => random.int(0, 255));
      const decoded = decodeItem(garbage);
      if (!decoded.ok) assert.equal(decoded.error.name, 'InternalServerError');
    }
  });
});

test('ByteWriter.utf8 writes what TextEncoder writes, short and long, surrogates included', () => {
  const random = new SeededRandom(seed);
  const alphabet = ['a', 'Z', '0', '\u0000', 'é', '€', '😀', '\ud800', '\udfff', 'ü'];
  const encoder = new TextEncoder();
  for (let round = 0; round < 500; round++) {
    const length = random.int(0, 200);
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[random.int(0, alphabet.length - 1)];
    const writer = new ByteWriter(4);
    writer.utf8('x');
    writer.utf8(text);
    assert.deepEqual(writer.finish(), encoder.encode(`x${text}`), JSON.stringify(text));
  }
});
