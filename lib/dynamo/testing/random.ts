// Seeded randomness and value generators for property tests, fuzz tests and benchmarks. Never
// Math.random(): every run with one seed sees the same values, so a failure reproduces.

import type { AttributeValue } from '../attribute-value.js';
import { parseNumber, type DynamoNumber } from '../number.js';

/** A small, fast, seeded PRNG (mulberry32). */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(values: readonly T[]): T {
    return values[this.int(0, values.length - 1)] as T;
  }
}

const alphabet = [
  'a',
  'b',
  'z',
  'A',
  '0',
  '\u0000',
  '\u00e9',
  '\u4e2d',
  '\uffff',
  '\ud83d\ude00',
  ' ',
];

/** A random string mixing ASCII, NUL, 2-, 3- and 4-byte characters. */
export function randomString(random: SeededRandom, lengthMax = 12): string {
  let text = '';
  const length = random.int(0, lengthMax);
  for (let index = 0; index < length; index++) text += random.pick(alphabet);
  return text;
}

/** Random bytes, biased towards 0x00 and 0xff to exercise escaping. */
export function randomBytes(random: SeededRandom, lengthMax = 12): Uint8Array {
  const bytes = new Uint8Array(random.int(0, lengthMax));
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = random.pick([0, 1, 0xff, 0xfe, random.int(0, 255)]);
  }
  return bytes;
}

/** A random valid DynamoDB number: 1–38 digits, exponent within range, either sign. */
export function randomNumber(random: SeededRandom): DynamoNumber {
  if (random.int(0, 20) === 0) return parseNumberOrThrow('0');
  let digits = String(random.int(1, 9));
  const digitCount = random.pick([1, 2, 3, 5, 15, 38, random.int(1, 38)]);
  while (digits.length < digitCount) digits += String(random.int(0, 9));
  const exponent = random.pick([0, 1, -1, 125, -130, random.int(-130, 125)]);
  const text = `${random.int(0, 1) === 0 ? '-' : ''}${digits[0]}.${digits.slice(1)}E${exponent - 0}`;
  return parseNumberOrThrow(text);
}

function parseNumberOrThrow(text: string): DynamoNumber {
  const parsed = parseNumber(text);
  if (!parsed.ok) throw new Error(`generator produced an invalid number ${text}`);
  return parsed.value;
}

/** A random key value of the given type. */
export function randomKeyValue(random: SeededRandom, type: 'S' | 'N' | 'B'): AttributeValue {
  if (type === 'S') return { type, value: randomString(random) };
  if (type === 'B') return { type, value: randomBytes(random) };
  return { type, value: randomNumber(random) };
}

/** A random attribute value of any type, nested at most `depth` levels. */
export function randomAttributeValue(random: SeededRandom, depth = 3): AttributeValue {
  const types = depth > 0 ? 10 : 7;
  switch (random.int(0, types - 1)) {
    case 0:
      return { type: 'S', value: randomString(random) };
    case 1:
      return { type: 'N', value: randomNumber(random) };
    case 2:
      return { type: 'B', value: randomBytes(random) };
    case 3:
      return { type: 'BOOL', value: random.int(0, 1) === 1 };
    case 4:
      return { type: 'NULL', value: true };
    case 5:
      return { type: 'SS', value: [...new Set([randomString(random), randomString(random), 'x'])] };
    case 6:
      return {
        type: 'NS',
        value: [parseNumberOrThrow(String(random.int(0, 9))), parseNumberOrThrow('10.5')],
      };
    case 7:
      return {
        type: 'L',
        value: Array.from({ length: random.int(0, 3) }, () =>
          randomAttributeValue(random, depth - 1),
        ),
      };
    case 8:
      return { type: 'BS', value: [Uint8Array.of(1), Uint8Array.of(2, random.int(0, 255))] };
    default: {
      const map = new Map<string, AttributeValue>();
      const count = random.int(0, 3);
      for (let index = 0; index < count; index++)
        map.set(randomString(random, 4), randomAttributeValue(random, depth - 1));
      return { type: 'M', value: map };
    }
  }
}
