import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addNumbers,
  compareNumbers,
  formatNumber,
  numberMessages,
  parseNumber,
  subtractNumbers,
  type DynamoNumber,
} from './number.js';

function parsed(text: string): DynamoNumber {
  const result = parseNumber(text);
  assert.ok(result.ok, `expected ${text} to parse`);
  return result.value;
}

function message(result: { ok: boolean; error?: { message: string } }): string | undefined {
  return result.ok ? undefined : result.error?.message;
}

describe('number', () => {
  describe('serialization', () => {
    const canonical: [string, string][] = [
      ['1', '1'],
      ['1.0', '1'],
      ['01', '1'],
      ['1E0', '1'],
      ['+1', '1'],
      ['-0', '0'],
      ['0.000', '0'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['1.5e2', '150'],
      ['-12.3400', '-12.34'],
      ['1e-130', `0.${'0'.repeat(129)}1`],
      ['1E125', `1${'0'.repeat(125)}`],
      [
        '9.9999999999999999999999999999999999999E+125',
        `99999999999999999999999999999999999999${'0'.repeat(88)}`,
      ],
      ['123456789012345678901234567890123456780', '123456789012345678901234567890123456780'],
    ];
    for (const [input, expected] of canonical) {
      test(`${input} is canonically ${expected.slice(0, 20)}`, () => {
        assert.equal(formatNumber(parsed(input)), expected);
      });
    }
    test('equal values have identical fields (one key)', () => {
      assert.deepEqual(parsed('1.0'), parsed('01'));
      assert.deepEqual(parsed('1E0'), parsed('1'));
    });
  });

  describe('validation', () => {
    const errors: [string, string][] = [
      ['', numberMessages.empty],
      ['b', `${numberMessages.empty}: b`],
      ['1e', `${numberMessages.empty}: 1e`],
      ['.', `${numberMessages.empty}: .`],
      ['--1', `${numberMessages.empty}: --1`],
      [' 1', `${numberMessages.empty}:  1`],
      ['123456789012345678901234567890123456789', numberMessages.precision],
      ['-1.23456789012345678901234567890123456789', numberMessages.precision],
      ['1e126', numberMessages.overflow],
      ['-1e126', numberMessages.overflow],
      ['1e-131', numberMessages.underflow],
      ['-1e-131', numberMessages.underflow],
      ['1e99999999999999999999', numberMessages.overflow],
      ['1e-99999999999999999999', numberMessages.underflow],
    ];
    for (const [input, expected] of errors) {
      test(`${JSON.stringify(input)} is refused`, () => {
        assert.equal(message(parseNumber(input)), expected);
      });
    }
    test('zero with a huge exponent is still zero', () => {
      assert.equal(formatNumber(parsed('0e999999')), '0');
    });
  });

  describe('functionality', () => {
    const ordered = [
      '-1e125',
      '-100',
      '-1.5',
      '-1',
      '-0.001',
      '0',
      '1e-130',
      '0.5',
      '1',
      '1.05',
      '1.5',
      '10',
      '1e125',
    ];
    test('compares numerically', () => {
      for (let i = 0; i < ordered.length; i++) {
        for (let j = 0; j < ordered.length; j++) {
          const order = Math.sign(
            compareNumbers(parsed(ordered[i] as string), parsed(ordered[j] as string)),
          );
          assert.equal(order, Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
        }
      }
    });
    const sums: [string, string, string][] = [
      ['1', '2', '3'],
      ['0.1', '0.2', '0.3'],
      ['-5', '5', '0'],
      ['1e125', '-1e125', '0'],
      ['99999999999999999999999999999999999999', '-1', '99999999999999999999999999999999999998'],
      ['1.000000000000000000000000000000000001', '-0.000000000000000000000000000000000001', '1'],
    ];
    for (const [a, b, expected] of sums) {
      test(`${a} + ${b} = ${expected} exactly`, () => {
        const sum = addNumbers(parsed(a), parsed(b));
        assert.ok(sum.ok);
        assert.equal(formatNumber(sum.value), expected);
      });
    }
    test('subtraction is exact', () => {
      const difference = subtractNumbers(parsed('0.3'), parsed('0.1'));
      assert.ok(difference.ok);
      assert.equal(formatNumber(difference.value), '0.2');
    });
    test('overflow and precision loss are DynamoDB errors', () => {
      assert.equal(
        message(
          addNumbers(parsed('9.9999999999999999999999999999999999999E+125'), parsed('1E+125')),
        ),
        numberMessages.overflow,
      );
      assert.equal(message(addNumbers(parsed('1e30'), parsed('1e-30'))), numberMessages.precision);
      assert.equal(
        message(subtractNumbers(parsed('1.5e-130'), parsed('1e-130'))),
        numberMessages.underflow,
      );
    });
  });
});
