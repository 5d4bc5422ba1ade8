// DynamoDB numbers: exact decimals of at most 38 significant digits whose magnitude lies
// between 1E-130 and 9.9999999999999999999999999999999999999E+125. JavaScript floats cannot
// hold them, so a number is kept as its sign, its significant digits and its exponent, and the
// arithmetic DynamoDB performs (ADD, `SET a = b + c`) is done exactly on BigInt coefficients.

import { invalid, ok, type Result } from './errors.js';

/**
 * A canonical DynamoDB number: `(-1)^negative × d1.d2d3… × 10^exponent`. `digits` has no
 * leading or trailing zeros, so two equal numbers always have equal fields (`1`, `1.0`, `01`
 * and `1E0` are one value). Zero is `{ negative: false, digits: '', exponent: 0 }`.
 */
export interface DynamoNumber {
  readonly negative: boolean;
  /** Significant digits, no leading or trailing zeros; empty for zero. */
  readonly digits: string;
  /** The power of ten of the first significant digit (the "adjusted exponent"). */
  readonly exponent: number;
}

/** At most this many significant digits. */
export const numberDigitsMax = 38;
/** The largest adjusted exponent (9.99…E+125). */
export const numberExponentMax = 125;
/** The smallest adjusted exponent (1E-130). */
export const numberExponentMin = -130;

/** The canonical zero. */
export const zero: DynamoNumber = { negative: false, digits: '', exponent: 0 };

const numberPattern = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** DynamoDB's messages for numbers it refuses. */
export const numberMessages = {
  overflow:
    'Number overflow. Attempting to store a number with magnitude larger than supported range',
  underflow:
    'Number underflow. Attempting to store a number with magnitude smaller than supported range',
  precision: 'Attempting to store more than 38 significant digits in a Number',
  empty: 'The parameter cannot be converted to a numeric value',
} as const;

/**
 * Parses a number in DynamoDB's wire form (decimal with optional exponent) into its canonical
 * form, applying DynamoDB's range and precision rules with its exact messages.
 */
export function parseNumber(text: string): Result<DynamoNumber> {
  if (text.length === 0) return invalid(numberMessages.empty);
  const match = numberPattern.exec(text);
  const integerPart = match?.[2] ?? '';
  const fractionPart = match?.[3] ?? '';
  if (match === null || integerPart.length + fractionPart.length === 0) {
    return invalid(`${numberMessages.empty}: ${text}`);
  }
  const all = integerPart + fractionPart;
  let first = 0;
  while (first < all.length && all.charCodeAt(first) === 48) first++;
  if (first === all.length) return ok(zero);
  let last = all.length;
  while (all.charCodeAt(last - 1) === 48) last--;
  const digits = all.slice(first, last);
  // The exponent text may be arbitrarily long; anything past nine digits is out of range
  // anyway, so clamp it instead of parsing an unbounded integer.
  const exponentText = match[4] ?? '0';
  const exponentDigits = exponentText.replace(/^[+-]/, '').replace(/^0+/, '');
  const exponentNegative = exponentText.startsWith('-');
  const writtenExponent =
    exponentDigits.length > 9
      ? exponentNegative
        ? -1e10
        : 1e10
      : Number(exponentDigits || '0') * (exponentNegative ? -1 : 1);
  const exponent = writtenExponent + integerPart.length - first - 1;
  return checkRange({ negative: match[1] === '-', digits, exponent });
}

/** Applies DynamoDB's range and precision limits, in DynamoDB's order of checks. */
export function checkRange(value: DynamoNumber): Result<DynamoNumber> {
  if (value.digits.length === 0) return ok(zero);
  if (value.exponent > numberExponentMax) return invalid(numberMessages.overflow);
  if (value.exponent < numberExponentMin) return invalid(numberMessages.underflow);
  if (value.digits.length > numberDigitsMax) return invalid(numberMessages.precision);
  return ok(value);
}

/** Renders a number as DynamoDB returns it: plain decimal notation, no exponent. */
export function formatNumber(value: DynamoNumber): string {
  if (value.digits.length === 0) return '0';
  const sign = value.negative ? '-' : '';
  const { digits, exponent } = value;
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (exponent + 1 >= digits.length)
    return sign + digits + '0'.repeat(exponent + 1 - digits.length);
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** Orders two numbers numerically: negative, zero or positive like `Array.sort` wants. */
export function compareNumbers(a: DynamoNumber, b: DynamoNumber): number {
  const signA = a.digits.length === 0 ? 0 : a.negative ? -1 : 1;
  const signB = b.digits.length === 0 ? 0 : b.negative ? -1 : 1;
  if (signA !== signB) return signA - signB;
  if (signA === 0) return 0;
  const magnitude = compareMagnitudes(a, b);
  if (magnitude === 0) return 0;
  return signA < 0 ? -magnitude : magnitude;
}

function compareMagnitudes(a: DynamoNumber, b: DynamoNumber): number {
  if (a.exponent !== b.exponent) return a.exponent - b.exponent;
  // Equal exponents: the digit strings compare as decimal fractions, and with no trailing
  // zeros a proper prefix is the smaller number.
  if (a.digits === b.digits) return 0;
  return a.digits < b.digits ? -1 : 1;
}

/** True when both numbers are the same value. */
export function numbersEqual(a: DynamoNumber, b: DynamoNumber): boolean {
  return a.negative === b.negative && a.exponent === b.exponent && a.digits === b.digits;
}

/** The number as a coefficient and the power of ten of its last digit. */
function toScaled(value: DynamoNumber): { coefficient: bigint; scale: number } {
  if (value.digits.length === 0) return { coefficient: 0n, scale: 0 };
  const coefficient = BigInt(value.digits);
  return {
    coefficient: value.negative ? -coefficient : coefficient,
    scale: value.exponent - value.digits.length + 1,
  };
}

function fromScaled(coefficient: bigint, scale: number): DynamoNumber {
  if (coefficient === 0n) return zero;
  const negative = coefficient < 0n;
  const text = (negative ? -coefficient : coefficient).toString();
  let last = text.length;
  while (text.charCodeAt(last - 1) === 48) last--;
  const digits = text.slice(0, last);
  return { negative, digits, exponent: scale + text.length - 1 };
}

/** Exact `a + b`, with DynamoDB's errors when the sum is out of range or too precise. */
export function addNumbers(a: DynamoNumber, b: DynamoNumber): Result<DynamoNumber> {
  const left = toScaled(a);
  const right = toScaled(b);
  const scale = Math.min(left.scale, right.scale);
  const sum =
    left.coefficient * 10n ** BigInt(left.scale - scale) +
    right.coefficient * 10n ** BigInt(right.scale - scale);
  return checkRange(fromScaled(sum, scale));
}

/** Exact `a - b`, with DynamoDB's errors when the difference is out of range or too precise. */
export function subtractNumbers(a: DynamoNumber, b: DynamoNumber): Result<DynamoNumber> {
  return addNumbers(a, negateNumber(b));
}

/** `-a`. */
export function negateNumber(a: DynamoNumber): DynamoNumber {
  return a.digits.length === 0 ? zero : { ...a, negative: !a.negative };
}

/** The count of significant digits DynamoDB bills for (at least one, for zero). */
export function significantDigitCount(value: DynamoNumber): number {
  return Math.max(1, value.digits.length);
}
