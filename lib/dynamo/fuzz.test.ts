// Feeds random strings and random JSON to every parser and validator: each call must return a
// result or a typed DynamoDB error, never throw, never hang. The seed is printed on failure.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attributeValueFromWire, itemFromWire } from './attribute-value.js';
import { DynamoError, type Result } from './errors.js';
import { applyUpdate } from './expressions/apply-update.js';
import { evaluateCondition } from './expressions/evaluate.js';
import {
  parseConditionExpression,
  parseKeyConditionExpression,
  parseProjectionExpression,
  parseUpdateExpression,
} from './expressions/parse.js';
import { decodeItem } from './item-codec.js';
import { parseNumber } from './number.js';
import { randomAttributeValue, SeededRandom } from './testing/random.js';
import { operationValidators } from './validation/index.js';

const seed = Number(process.env['DYNAMO_FUZZ_SEED'] ?? 7);
const rounds = 1500;

const fragments = [
  'a',
  'b',
  '#n',
  '#x',
  ':v',
  ':w',
  ':zz',
  'name',
  'SET',
  'REMOVE',
  'ADD',
  'DELETE',
  'AND',
  'OR',
  'NOT',
  'BETWEEN',
  'IN',
  '(',
  ')',
  '[',
  ']',
  '[0]',
  '[99999999999]',
  ',',
  '.',
  '=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
  '+',
  '-',
  'size',
  'attribute_exists',
  'attribute_type',
  'begins_with',
  'contains',
  'if_not_exists',
  'list_append',
  '_',
  '1',
  ' ',
  '\u00e9',
  '\ud83d',
  '"',
  ':',
  '#',
  '((((',
  '))))',
];

function randomExpression(random: SeededRandom): string {
  let text = '';
  const count = random.int(0, 25);
  for (let index = 0; index < count; index++)
    text += `${random.pick(fragments)}${random.int(0, 2) === 0 ? '' : ' '}`;
  return text;
}

function randomJson(random: SeededRandom, depth: number): unknown {
  switch (random.int(0, depth > 0 ? 9 : 5)) {
    case 0:
      return null;
    case 1:
      return random.int(0, 1) === 1;
    case 2:
      return random.pick([0, 1, -1, 1.5, 1e300, 2 ** 31]);
    case 3:
      return random.pick(['', 'abc', 'S', 'N', 'x'.repeat(300), 'AQ==', '1e5', 'TRUE', 'a;b']);
    case 4:
      return randomExpression(random);
    case 5:
      return random.pick([{}, [], { S: 'x' }, { N: 'x' }, { SS: [] }, { NULL: false }]);
    case 6:
    case 7: {
      const keys = [
        'TableName',
        'Item',
        'Key',
        'S',
        'N',
        'B',
        'L',
        'M',
        'SS',
        'NS',
        'BS',
        'NULL',
        'BOOL',
        'Keys',
        'RequestItems',
        'PutRequest',
        'TransactItems',
        'Update',
        'ConditionExpression',
        'UpdateExpression',
        'ExpressionAttributeValues',
        'ExpressionAttributeNames',
        'Expected',
        'Value',
        'ComparisonOperator',
        'AttributeValueList',
        'KeySchema',
        'AttributeDefinitions',
        'abc',
        ':v',
        '#n',
      ];
      const object: Record<string, unknown> = {};
      const count = random.int(0, 5);
      for (let index = 0; index < count; index++)
        object[random.pick(keys)] = randomJson(random, depth - 1);
      return object;
    }
    default:
      return Array.from({ length: random.int(0, 3) }, () => randomJson(random, depth - 1));
  }
}

function assertTyped<T>(label: string, call: () => Result<T>): Result<T> {
  let result: Result<T>;
  try {
    result = call();
  } catch (error) {
    assert.fail(`${label} threw ${String(error)} (seed ${seed})`);
  }
  if (!result.ok)
    assert.ok(result.error instanceof DynamoError, `${label} returned an untyped error`);
  return result;
}

describe(`fuzz (seed ${seed})`, () => {
  test('expression parsers and evaluators never throw', () => {
    const random = new SeededRandom(seed);
    const placeholders = {
      names: { '#n': 'name', '#x': 'x' },
      values: {
        ':v': { type: 'N', value: { negative: false, digits: '1', exponent: 0 } },
        ':w': { type: 'S', value: 'w' },
      } as const,
    };
    for (let round = 0; round < rounds; round++) {
      const text = randomExpression(random);
      const item = new Map([
        ['a', randomAttributeValue(random)],
        ['name', randomAttributeValue(random)],
      ]);
      const condition = assertTyped(`condition ${JSON.stringify(text)}`, () =>
        parseConditionExpression(text, placeholders),
      );
      if (condition.ok)
        assert.equal(typeof evaluateCondition(condition.value.ast, item), 'boolean');
      assertTyped(`key condition ${JSON.stringify(text)}`, () =>
        parseKeyConditionExpression(text, placeholders),
      );
      assertTyped(`projection ${JSON.stringify(text)}`, () =>
        parseProjectionExpression(text, placeholders),
      );
      const update = assertTyped(`update ${JSON.stringify(`SET ${text}`)}`, () =>
        parseUpdateExpression(`SET ${text}`, placeholders),
      );
      if (update.ok) assertTyped(`apply ${text}`, () => applyUpdate(update.value.ast, item));
      assertTyped(`update ${JSON.stringify(text)}`, () =>
        parseUpdateExpression(text, placeholders),
      );
    }
  });

  test('deeply nested input is bounded, not a stack overflow', () => {
    for (const text of [
      '('.repeat(3000) + 'a = :v' + ')'.repeat(3000),
      'NOT '.repeat(1000) + 'a = :v',
      `SET a = ${'list_append('.repeat(300)}`,
    ]) {
      assertTyped('deep', () => parseConditionExpression(text.slice(0, 4096), { values: {} }));
      assertTyped('deep update', () => parseUpdateExpression(text.slice(0, 4096), { values: {} }));
    }
    let wire: unknown = { S: 'x' };
    for (let level = 0; level < 5000; level++) wire = { L: [wire] };
    assertTyped('deep value', () => attributeValueFromWire(wire));
  });

  test('attribute values, numbers and items never throw', () => {
    const random = new SeededRandom(seed + 1);
    for (let round = 0; round < rounds; round++) {
      const json = randomJson(random, 3);
      assertTyped('value', () => attributeValueFromWire(json));
      assertTyped('item', () => itemFromWire(json));
      assertTyped('number', () => parseNumber(typeof json === 'string' ? json : String(json)));
      assertTyped('decode', () =>
        decodeItem(Uint8Array.from({ length: random.int(0, 30) }, () => random.int(0, 255))),
      );
    }
  });

  test('every operation validator never throws', () => {
    const random = new SeededRandom(seed + 2);
    const names = Object.keys(operationValidators);
    for (let round = 0; round < rounds * 2; round++) {
      const name = random.pick(names);
      const request = randomJson(random, 4);
      assertTyped(`${name} ${JSON.stringify(request).slice(0, 200)}`, () =>
        (operationValidators[name] as (r: unknown) => Result<unknown>)(request),
      );
    }
  });

  test('mutated valid requests never throw', () => {
    const random = new SeededRandom(seed + 3);
    const key = { a: { S: 'x' } };
    const valid: Record<string, Record<string, unknown>> = {
      PutItem: {
        TableName: 'abc',
        Item: key,
        ConditionExpression: 'a = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      UpdateItem: {
        TableName: 'abc',
        Key: key,
        UpdateExpression: 'SET b = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      Query: {
        TableName: 'abc',
        KeyConditionExpression: 'a = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      },
      Scan: {
        TableName: 'abc',
        ScanFilter: { a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } },
      },
      BatchGetItem: { RequestItems: { abc: { Keys: [key] } } },
      BatchWriteItem: { RequestItems: { abc: [{ PutRequest: { Item: key } }] } },
      TransactWriteItems: { TransactItems: [{ Put: { TableName: 'abc', Item: key } }] },
      CreateTable: {
        TableName: 'abc',
        AttributeDefinitions: [{ AttributeName: 'a', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    };
    for (let round = 0; round < rounds; round++) {
      const name = random.pick(Object.keys(valid));
      const request: Record<string, unknown> = structuredClone(
        valid[name] as Record<string, unknown>,
      );
      const member = random.pick([
        ...Object.keys(request),
        'Expected',
        'AttributeUpdates',
        'ProjectionExpression',
        'ExpressionAttributeNames',
        'Limit',
        'Select',
      ]);
      request[member] = randomJson(random, 3);
      assertTyped(`${name} ${JSON.stringify(request).slice(0, 200)}`, () =>
        (operationValidators[name] as (r: unknown) => Result<unknown>)(request),
      );
    }
  });
});
